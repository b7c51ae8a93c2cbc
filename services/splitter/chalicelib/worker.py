"""Processing one chunk: stream its bytes once into the segment and the validator.

I/O arrives as a :data:`RangeReader` (ranged GETs in production, a slice in tests), so
this module does no I/O of its own; the next pieces are read while one is processed
(:func:`circulion.read_ahead.read_in_order`). Memory is O(chunk size): a few pieces in
flight, the compressed segment, and at most one record (bounded by ``max_record_bytes``)
being assembled; only a document, validated whole, is held entirely — and documents are
capped well below a chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.checking import StreamChecker, check_whole_document
from chalicelib.issues import IssueLog
from chalicelib.scanning import RecordRun, RecordScanner
from chalicelib.segments import Segment, SegmentBuilder
from chalicelib.settings import SplitterSettings
from circulion.contracts.events import ProcessChunkPayload, StepIdRange, ValidationIssue
from circulion.read_ahead import RangeReader, read_in_order
from circulion.recipes import SafetyChecks, check_header

READ_AHEAD_FIRST = 64 * 1024
"""The last record usually ends within a few hundred bytes past the chunk: start small."""


@dataclass(frozen=True)
class ChunkResult:
    segment: Segment
    record_count: int
    step_ids: StepIdRange | None
    issues: IssueLog


def process(read: RangeReader, task: ProcessChunkPayload, settings: SplitterSettings) -> ChunkResult:
    """Hash, compress and validate the chunk ``task.chunk`` of the source read by ``read``."""
    span = task.chunk
    size = task.recipe.size_bytes
    issues = IssueLog(settings.max_issues_per_chunk, settings.max_report_issues)
    builder = SegmentBuilder(level=settings.deflate_level, last=span.index == task.total_chunks - 1)
    whole_document = task.kind == "document" and task.total_chunks == 1 and size <= settings.max_document_bytes
    document = bytearray() if whole_document else None
    scanner: RecordScanner | None = None
    checker: StreamChecker | None = None
    if task.kind == "stream":
        scanner = RecordScanner(span.start, span.end, settings.max_record_bytes)
        safety = None if span.start == 0 else header_safety(read, size, settings.max_record_bytes)
        checker = StreamChecker(span, safety, issues, settings.max_record_bytes)
        if scanner.first_offset < span.start:
            _feed(scanner, checker, read(scanner.first_offset, span.start))

    ahead = settings.read_ahead_pieces
    for piece in read_in_order(read, span.end, settings.read_piece_bytes, ahead, start=span.start):
        builder.update(piece)
        if document is not None:
            document += piece
        if scanner is not None and checker is not None and not scanner.done:
            _feed(scanner, checker, piece)

    record_count = 0
    step_ids: StepIdRange | None = None
    if scanner is not None and checker is not None:
        _read_ahead(read, scanner, checker, size, settings)
        checker.finish(whole_file=task.total_chunks == 1)
        record_count, step_ids = checker.record_count, checker.step_ids
    elif document is not None:
        record_count, step_ids = check_whole_document(bytes(document), issues)
    elif task.kind == "document" and span.index == 0:
        issues.add(
            ValidationIssue(
                code="document_too_large",
                message=f"a JSON document may be at most {settings.max_document_bytes} bytes; "
                "upload large recipes as an NDJSON stream",
                chunk_index=0,
            )
        )
    return ChunkResult(builder.finish(), record_count, step_ids, issues)


def header_safety(read: RangeReader, size: int, max_record_bytes: int) -> SafetyChecks | None:
    """The stream header's safety checks, for a chunk that does not hold the header.

    ``None`` when the header is missing or invalid (chunk 0 reports that).
    """
    limit = min(size, max_record_bytes + 1)
    data = bytearray()
    while len(data) < limit:
        piece = read(len(data), min(limit, max(len(data) * 2, READ_AHEAD_FIRST)))
        if not piece:
            break
        data += piece
        newline = data.find(b"\n")
        if newline != -1:
            checked = check_header(bytes(data[:newline]))
            return checked.header.safety_checks if checked.header else None
    return None


def _feed(scanner: RecordScanner, checker: StreamChecker, piece: bytes) -> None:
    for item in scanner.feed_runs(piece):
        if isinstance(item, RecordRun):
            checker.check_run(item)
        else:
            checker.check(item)


def _read_ahead(
    read: RangeReader, scanner: RecordScanner, checker: StreamChecker, size: int, settings: SplitterSettings
) -> None:
    """Finish the last owned record past the chunk's end, at most one record's length."""
    bound = min(size, scanner.position + settings.max_record_bytes + 1)
    step = READ_AHEAD_FIRST
    while not scanner.done and scanner.position < bound:
        start = scanner.position
        piece = read(start, min(start + step, bound))
        if not piece:
            break
        _feed(scanner, checker, piece)
        step = min(step * 2, settings.read_piece_bytes)
    for record in scanner.finish(at_eof=scanner.position >= size):
        checker.check(record)
