"""``MAJOR.MINOR.PATCH`` arithmetic for suggesting a version nobody has yet."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


def next_free_version(existing: Iterable[str]) -> str:
    """The highest valid version plus one patch (``1.0.0`` when there is none)."""
    keys = [tuple(int(p) for p in m.groups()) for v in existing if (m := _SEMVER.fullmatch(v))]
    if not keys:
        return "1.0.0"
    major, minor, patch = max(keys)
    return f"{major}.{minor}.{patch + 1}"
