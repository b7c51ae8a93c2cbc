"""The splitter's knobs, on top of the shared ones (``CIRCULION_<FIELD>`` overrides)."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from circulion.contracts.events import MAX_ISSUES_PER_MESSAGE
from circulion.recipes import limits
from circulion.settings import Settings

MiB = limits.MiB
MIN_CHUNK_SIZE = 5 * MiB
"""S3's smallest multipart part: the merger assembles the archive from chunk-sized parts."""


class SplitterSettings(Settings):
    chunk_size_bytes: int = Field(default=limits.CHUNK_SIZE_BYTES, ge=MIN_CHUNK_SIZE)
    direct_threshold_bytes: int = Field(default=limits.DIRECT_THRESHOLD_BYTES, ge=0)
    max_document_bytes: int = Field(default=limits.MAX_DOCUMENT_BYTES, ge=1)
    max_record_bytes: int = Field(default=limits.MAX_RECORD_BYTES, ge=1024)
    max_issues_per_chunk: int = Field(default=MAX_ISSUES_PER_MESSAGE, ge=1, le=MAX_ISSUES_PER_MESSAGE)
    max_report_issues: int = Field(default=limits.MAX_REPORT_ISSUES, ge=1)
    read_piece_bytes: int = Field(default=2 * MiB, ge=64 * 1024)
    read_ahead_pieces: int = Field(default=2, ge=1, le=8)
    """Ranged GETs in flight while a chunk worker hashes, validates and compresses the piece
    before them (memory: this many pieces more)."""
    deflate_level: int = Field(default=6, ge=0, le=9)
    plan_lease_seconds: float = Field(default=120.0, gt=0)

    @model_validator(mode="after")
    def _inline_within_report(self) -> Self:
        if self.max_report_issues < self.max_issues_per_chunk:
            raise ValueError("max_report_issues must be at least max_issues_per_chunk")
        return self
