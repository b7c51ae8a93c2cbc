"""Processing one chunk: stream its bytes once into the segment and the validator.

I/O arrives as a :data:`RangeReader` (ranged GETs in production, a slice in tests), so
this module does no I/O of its own; the next pieces are read while one is processed
(:func:`circulion.read_ahead.read_in_order`). Memory is O(chunk size): a few pieces in
flight, the compressed segment, and what the shared
:class:`~circulion.recipes.chunk_validation.ChunkValidator` holds (at most one record, or
a document capped well below a chunk). The validator is the shared one so that
``circulion validate`` judges a file exactly as the workers do.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.segments import Segment, SegmentBuilder
from chalicelib.settings import SplitterSettings
from circulion.contracts.events import ProcessChunkPayload, StepIdRange
from circulion.read_ahead import RangeReader, read_in_order
from circulion.recipes.chunk_validation import ChunkValidator, header_safety
from circulion.recipes.issue_log import IssueLog
from circulion.recipes.limits import ValidationLimits

__all__ = ["ChunkResult", "header_safety", "process", "validation_limits"]


@dataclass(frozen=True)
class ChunkResult:
    segment: Segment
    record_count: int
    step_ids: StepIdRange | None
    issues: IssueLog


def validation_limits(settings: SplitterSettings) -> ValidationLimits:
    """The limits the shared validator applies, from the splitter's settings."""
    return ValidationLimits(
        max_record_bytes=settings.max_record_bytes,
        max_document_bytes=settings.max_document_bytes,
        max_issues_per_chunk=settings.max_issues_per_chunk,
        max_report_issues=settings.max_report_issues,
        chunk_size_bytes=settings.chunk_size_bytes,
        direct_threshold_bytes=settings.direct_threshold_bytes,
    )


def process(read: RangeReader, task: ProcessChunkPayload, settings: SplitterSettings) -> ChunkResult:
    """Hash, compress and validate the chunk ``task.chunk`` of the source read by ``read``."""
    span = task.chunk
    issues = IssueLog(settings.max_issues_per_chunk, settings.max_report_issues)
    builder = SegmentBuilder(level=settings.deflate_level, last=span.index == task.total_chunks - 1)
    validator = ChunkValidator(
        read,
        task.kind,
        span,
        size=task.recipe.size_bytes,
        total_chunks=task.total_chunks,
        limits=validation_limits(settings),
        issues=issues,
        read_piece_bytes=settings.read_piece_bytes,
    )
    ahead = settings.read_ahead_pieces
    for piece in read_in_order(read, span.end, settings.read_piece_bytes, ahead, start=span.start):
        builder.update(piece)
        validator.feed(piece)
    record_count, step_ids = validator.finish()
    return ChunkResult(builder.finish(), record_count, step_ids, issues)
