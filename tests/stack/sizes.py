"""How big the stack tests' big inputs are.

``make test`` must stay well under 15 minutes on a 2-core machine, so by default the big
inputs are sized to still cross every boundary that matters (several chunks, several
multipart parts) but no more. ``CIRCULION_STACK_FULL=1`` (``make stack-full``) runs them at
the sizes the issues name (a 300 MB CLI upload, 100 MB splits, 300 MB merges); a
per-test variable (``CIRCULION_STACK_<NAME>_MB``) overrides either.
"""

from __future__ import annotations

import os

FULL = os.environ.get("CIRCULION_STACK_FULL") == "1"


def megabytes(name: str, *, quick: int, full: int) -> int:
    """The size in MiB for test input ``name``."""
    override = os.environ.get(f"CIRCULION_STACK_{name.upper()}_MB")
    if override:
        return int(override)
    return full if FULL else quick
