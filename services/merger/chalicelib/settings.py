"""The merger's knobs (``CIRCULION_<FIELD>`` in the environment)."""

from __future__ import annotations

from circulion.s3_limits import S3_MIN_PART_BYTES
from circulion.settings import Settings


class MergerSettings(Settings):
    """Settings of the merge coordinator and its sweeper."""

    lease_seconds: int = 45
    """Merge lease. Short: its holder renews it while merging (:mod:`chalicelib.heartbeat`),
    so it expires within this long of the holder dying and a successor takes over."""
    lease_renew_every_seconds: float = 15.0
    """Heartbeat period: a third of the lease, so two missed renewals still keep it."""
    stall_after_seconds: int = 120
    """A complete job nobody acted on for this long is re-driven by the sweeper."""
    missing_chunk_after_seconds: int = 900
    """Chunks missing this long after the last progress have their tasks re-enqueued."""
    max_redrives: int = 3
    """Sweeper re-drives of one job before it is failed."""
    min_part_bytes: int = S3_MIN_PART_BYTES
    """Smallest multipart part (S3's minimum for every part but the last)."""
    pipeline_version: str = "1"
    ledger_ttl_seconds: int = 30 * 24 * 3600
