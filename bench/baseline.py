"""What a user would write instead of the pipeline: one plain process over the local file.

It does the chunk workers' work, in one pass and one process: SHA-256 and CRC-32 of the
file, and every record judged by the workers' own validator
(:class:`~circulion.recipes.chunk_validation.ChunkValidator`, the file taken as one chunk,
as ``circulion validate`` on one core would): strict JSON (UTF-8, plain text, no byte order
mark, no duplicate key, no non-finite number), the header and every step against the
pydantic models (plain records through the same msgspec batch path), step ids strictly
increasing across the whole stream, every step within the header's ``safety_checks``; then
the file is deflated into a ZIP with :mod:`zipfile` at zlib's default level, the same level
as the workers. So the pipeline is compared with the same checks done once, not fewer.
"""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import cast, get_args

from circulion.contracts.events import ChunkSpan, RecipeKind
from circulion.recipes.chunk_validation import ChunkValidator
from circulion.recipes.issue_log import IssueLog
from circulion.recipes.limits import ValidationLimits

PIECE = 8 * 1024 * 1024


@dataclass(frozen=True)
class BaselineResult:
    kind: str
    size: int
    seconds: float
    records: int
    invalid: int
    """Issues found (each problem of each record, as the workers count them)."""

    @property
    def mb_s(self) -> float:
        return self.size / 1e6 / self.seconds


def run(path: Path, kind: str, scratch: Path) -> BaselineResult:
    """Hash, validate (streams and documents) and zip ``path``; the archive goes to
    ``scratch`` and is deleted."""
    if kind not in get_args(RecipeKind):
        raise ValueError(f"not a recipe kind: {kind!r}")
    started = time.perf_counter()
    size = path.stat().st_size
    limits = ValidationLimits()
    issues = IssueLog(limits.max_issues_per_chunk, limits.max_report_issues)
    sha, crc = hashlib.sha256(), 0
    with path.open("rb") as source:

        def read(start: int, end: int) -> bytes:  # leaves the sequential read where it is
            return os.pread(source.fileno(), max(0, min(end, size) - start), start)

        span = ChunkSpan(index=0, start=0, end=size)
        validator = ChunkValidator(
            read, cast(RecipeKind, kind), span, size=size, total_chunks=1, limits=limits, issues=issues
        )
        while piece := source.read(PIECE):
            sha.update(piece)
            crc = zlib.crc32(piece, crc)
            if validator.wants_bytes:
                validator.feed(piece)
        records, _ = validator.finish()
    archive = scratch / "baseline.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        zf.write(path, arcname=path.name)
    archive.unlink()
    sha.hexdigest()
    return BaselineResult(kind, size, time.perf_counter() - started, records, issues.count)
