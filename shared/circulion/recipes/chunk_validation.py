"""Validating one chunk of a recipe as its bytes stream past: what every chunk worker runs,
and what ``circulion validate`` runs per byte range on a laptop.

I/O arrives as a :data:`~circulion.read_ahead.RangeReader` (ranged GETs in production, a
file read locally) for the two reads a chunk needs beyond its own bytes: the stream header
(a later chunk holds steps against the header's safety checks) and the last owned record
past the chunk's end. Memory is O(record): at most one record being assembled, except a
document, validated whole and capped at ``max_document_bytes``.
"""

from __future__ import annotations

from circulion.contracts.events import ChunkSpan, RecipeKind, StepIdRange, ValidationIssue
from circulion.read_ahead import RangeReader
from circulion.recipes.issue_log import IssueLog
from circulion.recipes.limits import ValidationLimits
from circulion.recipes.records import check_header
from circulion.recipes.safety import SafetyChecks
from circulion.recipes.scanning import RecordRun, RecordScanner
from circulion.recipes.stream_check import StreamChecker, check_whole_document

READ_AHEAD_FIRST = 64 * 1024
"""The last record usually ends within a few hundred bytes past the chunk: start small."""


class ChunkValidator:
    """Feed the chunk's bytes ``[span.start, span.end)`` in order, then :meth:`finish`.

    Parameters
    ----------
    read
        Reads any byte range of the whole file (``size`` bytes).
    kind
        ``stream`` or ``document``; anything else is not validated.
    read_piece_bytes
        The largest read past the chunk's end (reads only: no effect on the verdict).
    """

    def __init__(
        self,
        read: RangeReader,
        kind: RecipeKind,
        span: ChunkSpan,
        *,
        size: int,
        total_chunks: int,
        limits: ValidationLimits,
        issues: IssueLog,
        read_piece_bytes: int = 2 * 1024 * 1024,
    ) -> None:
        self._read = read
        self._span = span
        self._size = size
        self._total_chunks = total_chunks
        self._limits = limits
        self._read_piece_bytes = read_piece_bytes
        self.issues = issues
        whole = kind == "document" and total_chunks == 1 and size <= limits.max_document_bytes
        self._document = bytearray() if whole else None
        self._too_large_document = kind == "document" and not whole and span.index == 0
        self._scanner: RecordScanner | None = None
        self._checker: StreamChecker | None = None
        if kind == "stream":
            self._scanner = RecordScanner(span.start, span.end, limits.max_record_bytes)
            safety = None if span.start == 0 else header_safety(read, size, limits.max_record_bytes)
            self._checker = StreamChecker(span, safety, issues, limits.max_record_bytes)
            if self._scanner.first_offset < span.start:
                self._feed(read(self._scanner.first_offset, span.start))

    @property
    def wants_bytes(self) -> bool:
        """Whether the chunk's bytes matter to the verdict (not for a document too large to
        validate, nor once a stream chunk's last owned record is read)."""
        return self._document is not None or (self._scanner is not None and not self._scanner.done)

    def feed(self, piece: bytes) -> None:
        """The chunk's next bytes."""
        if self._document is not None:
            self._document += piece
        if self._scanner is not None and not self._scanner.done:
            self._feed(piece)

    def finish(self) -> tuple[int, StepIdRange | None]:
        """Finish the last owned record, apply the chunk-wide rules: ``(record_count, step_ids)``."""
        if self._scanner is not None and self._checker is not None:
            self._read_ahead(self._scanner)
            self._checker.finish(whole_file=self._total_chunks == 1)
            return self._checker.record_count, self._checker.step_ids
        if self._document is not None:
            return check_whole_document(bytes(self._document), self.issues)
        if self._too_large_document:
            self.issues.add(
                ValidationIssue(
                    code="document_too_large",
                    message=f"a JSON document may be at most {self._limits.max_document_bytes} bytes; "
                    "upload large recipes as an NDJSON stream",
                    chunk_index=0,
                )
            )
        return 0, None

    def _feed(self, piece: bytes) -> None:
        assert self._scanner is not None and self._checker is not None
        for item in self._scanner.feed_runs(piece):
            if isinstance(item, RecordRun):
                self._checker.check_run(item)
            else:
                self._checker.check(item)

    def _read_ahead(self, scanner: RecordScanner) -> None:
        """Finish the last owned record past the chunk's end, at most one record's length."""
        bound = min(self._size, scanner.position + self._limits.max_record_bytes + 1)
        step = READ_AHEAD_FIRST
        while not scanner.done and scanner.position < bound:
            start = scanner.position
            piece = self._read(start, min(start + step, bound))
            if not piece:
                break
            self._feed(piece)
            step = min(step * 2, self._read_piece_bytes)
        assert self._checker is not None
        for record in scanner.finish(at_eof=scanner.position >= self._size):
            self._checker.check(record)


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
