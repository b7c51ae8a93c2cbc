"""Coalescing pointer paths into CloudFront invalidations (pure).

CloudFront allows 3,000 file paths and 15 wildcard paths in progress per distribution and
charges per path after the first 1,000 a month. One ``distribute`` invocation turns its
whole batch into as few invalidations as those bounds allow, each with a caller reference
derived from its content: the same batch redelivered asks for the same reference, which
CloudFront (and our table) answer with the invalidation already made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

MAX_PATHS = 3000
MAX_WILDCARDS = 15
FREE_PATHS_PER_MONTH = 1000


@dataclass(frozen=True)
class InvalidationRequest:
    """One CreateInvalidation call: sorted unique paths and its deterministic reference."""

    paths: tuple[str, ...]
    caller_reference: str
    recipe_ids: tuple[str, ...]


@dataclass(frozen=True)
class PathClaim:
    """A recipe of the batch that needs ``path`` invalidated."""

    recipe_id: str
    version: str
    path: str

    @property
    def recipe_key(self) -> str:
        return f"{self.recipe_id}@{self.version}"


def is_wildcard(path: str) -> bool:
    return path.endswith("*")


def plan_invalidations(
    claims: Iterable[PathClaim],
    *,
    max_paths: int = MAX_PATHS,
    max_wildcards: int = MAX_WILDCARDS,
) -> list[InvalidationRequest]:
    """Group the batch's claims into requests within CloudFront's per-request bounds.

    Paths are deduplicated (two versions of one name in a batch share its pointer) and
    sorted, so the grouping and every caller reference depend only on the batch's content,
    not on the order SQS delivered it in.
    """
    by_path: dict[str, set[PathClaim]] = {}
    for claim in claims:
        by_path.setdefault(claim.path, set()).add(claim)
    requests: list[InvalidationRequest] = []
    group: list[str] = []
    wildcards = 0
    for path in sorted(by_path):
        wild = is_wildcard(path)
        if group and (len(group) >= max_paths or (wild and wildcards >= max_wildcards)):
            requests.append(_request(group, by_path))
            group, wildcards = [], 0
        group.append(path)
        wildcards += wild
    if group:
        requests.append(_request(group, by_path))
    return requests


def _request(paths: list[str], by_path: dict[str, set[PathClaim]]) -> InvalidationRequest:
    claims = {claim for path in paths for claim in by_path[path]}
    recipe_keys = sorted({claim.recipe_key for claim in claims})
    recipe_ids = tuple(sorted({claim.recipe_id for claim in claims}))
    return InvalidationRequest(tuple(paths), caller_reference(paths, recipe_keys), recipe_ids)


def caller_reference(paths: Iterable[str], recipe_keys: Iterable[str]) -> str:
    """A reference that names the content: sorted paths and the recipe versions behind them."""
    digest = hashlib.sha256()
    for part in (*sorted(paths), "|", *sorted(recipe_keys)):
        digest.update(part.encode())
        digest.update(b"\n")
    return "circulion-" + digest.hexdigest()[:40]


def month_of(moment: datetime) -> str:
    """The billing month (UTC) a moment falls in, e.g. ``2026-11``."""
    return f"{moment.year:04d}-{moment.month:02d}"


def retry_delay_seconds(receive_count: int, base: int, cap: int) -> int:
    """Exponential backoff for a throttled record: base, 2 * base, 4 * base, ... up to cap."""
    exponent = max(receive_count - 1, 0)
    return int(min(cap, base * 2 ** min(exponent, 20)))
