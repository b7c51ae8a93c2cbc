"""The merger's knobs (``CIRCULION_<FIELD>`` in the environment)."""

from __future__ import annotations

from circulion.settings import Settings

MIB = 1024 * 1024


class MergerSettings(Settings):
    """Settings of the merge coordinator and its sweeper."""

    lease_seconds: int = 630
    """Merge lease: longer than the coordinate function's 600 s timeout, so a lease only
    expires once its holder is certainly dead."""
    stall_after_seconds: int = 120
    """A complete job nobody acted on for this long is re-driven by the sweeper."""
    missing_chunk_after_seconds: int = 900
    """Chunks missing this long after the last progress have their tasks re-enqueued."""
    max_redrives: int = 3
    """Sweeper re-drives of one job before it is failed."""
    min_part_bytes: int = 5 * MIB
    """Smallest multipart part (S3's minimum for every part but the last)."""
    pipeline_version: str = "1"
    ledger_ttl_seconds: int = 30 * 24 * 3600
