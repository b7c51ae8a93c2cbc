"""Validation by kind, turning record-level problems into positioned issues.

Positions: ``byte_offset`` is always the offset in the uploaded file. Chunk 0 knows file
lines outright; a later chunk does not know how many lines precede it, so its issues
carry ``chunk_line`` and the event carries the chunk's ``newline_count``, from which the
merger composes file lines (:func:`circulion.recipes.with_file_lines`).
"""

from __future__ import annotations

from operator import lt

from chalicelib.issues import IssueLog
from chalicelib.scanning import Record, RecordRun, records_at
from circulion.contracts.events import ChunkSpan, StepIdRange, ValidationIssue
from circulion.recipes import Problem, SafetyChecks, check_document, check_header, check_step, is_blank, order_problem
from circulion.recipes.records import plain_valid_steps

PLAIN_BATCH = 512
"""Records validated per pydantic-core call: large enough to amortise the call, small
enough that a failed batch wastes little."""
PLAIN_SMALLEST = 16
"""A failing group at most this large is checked record by record."""


class StreamChecker:
    """Checks a stream chunk's owned records in order and summarises its step ids."""

    def __init__(self, span: ChunkSpan, safety: SafetyChecks | None, issues: IssueLog, max_record_bytes: int) -> None:
        self._span = span
        self._safety = safety
        self._issues = issues
        self._limit = max_record_bytes
        self.record_count = 0
        self._first: tuple[int, Record] | None = None
        self._last: int | None = None

    def check(self, record: Record) -> None:
        header = record.offset == 0
        if record.too_long(self._limit):
            self.record_count += 1
            self._add(record, Problem("record_too_long", f"line is {record.length} bytes; at most {self._limit}"))
            return
        if is_blank(record.data):
            if header:
                self._add(record, Problem("missing_header", "the first line must be the recipe header"))
            return
        self.record_count += 1
        if header:
            checked = check_header(record.data)
            self._safety = checked.header.safety_checks if checked.header else None
            for problem in checked.problems:
                self._add(record, problem)
            return
        result = check_step(record.data, self._safety)
        for problem in result.problems:
            self._add(record, problem)
        if result.step_id is not None:
            if self._last is not None and result.step_id <= self._last:
                self._add(record, order_problem(self._last, result.step_id))
            if self._first is None:
                self._first = (result.step_id, record)
            self._last = result.step_id

    def check_run(self, run: RecordRun) -> None:
        """:meth:`check` for every record of ``run``, with identical outcome: groups of
        plain valid steps in order are checked in one call and need no positions; any
        other group (a header, a problem of any kind) goes record by record."""
        lines = run.lines()
        offset, line = run.offset, run.chunk_line
        for at in range(0, len(lines), PLAIN_BATCH):
            group = lines[at : at + PLAIN_BATCH]
            self._check_group(group, offset, line)
            offset += sum(map(len, group)) + len(group)
            line += len(group)

    def _check_group(self, group: list[bytes], offset: int, line: int) -> None:
        """A group with a problem is halved until the problem is cornered in a small group
        that goes record by record, so a few bad records cost few good ones the slow path."""
        if self._check_plain(group, offset, line):
            return
        if len(group) <= PLAIN_SMALLEST:
            for record in records_at(group, offset, line, self._limit):
                self.check(record)
            return
        half = len(group) // 2
        self._check_group(group[:half], offset, line)
        self._check_group(group[half:], offset + sum(map(len, group[:half])) + half, line + half)

    def _check_plain(self, group: list[bytes], offset: int, line: int) -> bool:
        """Account for ``group`` and say so when it has no problem at all (else touch nothing)."""
        if offset == 0 or max(map(len, group)) > self._limit:
            return False
        ids = plain_valid_steps(group, self._safety)
        if ids is None or (self._last is not None and ids[0] <= self._last) or not all(map(lt, ids, ids[1:])):
            return False
        self.record_count += len(ids)
        if self._first is None:
            self._first = (ids[0], Record(offset, line, len(group[0]), group[0]))
        self._last = ids[-1]
        return True

    def finish(self, *, whole_file: bool) -> None:
        """Rules that need the whole chunk; ``whole_file`` when this chunk is the file."""
        if self._span.index == 0 and self.record_count == 0:
            self._issues.add(
                ValidationIssue(code="missing_header", message="the stream is empty", line=1, chunk_index=0)
            )
        elif whole_file and self._first is None and not self._issues.count:
            self._issues.add(ValidationIssue(code="no_steps", message="the stream has no steps", chunk_index=0))

    @property
    def step_ids(self) -> StepIdRange | None:
        if self._first is None or self._last is None:
            return None
        first_id, record = self._first
        return StepIdRange(
            first=first_id,
            last=self._last,
            first_line=record.chunk_line if self._span.index == 0 else None,
            first_chunk_line=record.chunk_line,
            first_offset=record.offset,
        )

    def _add(self, record: Record, problem: Problem) -> None:
        offset = record.offset + (problem.offset or 0)
        self._issues.add(
            ValidationIssue(
                code=problem.code,
                message=problem.message,
                line=record.chunk_line if self._span.index == 0 else None,
                chunk_line=record.chunk_line,
                byte_offset=offset,
                chunk_index=self._span.index,
                step_id=problem.step_id,
            )
        )


def check_whole_document(data: bytes, issues: IssueLog) -> tuple[int, StepIdRange | None]:
    """Validate a JSON document held whole; its record count is its number of steps."""
    result = check_document(data)
    for problem in result.problems:
        issues.add(
            ValidationIssue(
                code=problem.code,
                message=problem.message,
                line=problem.line,
                byte_offset=problem.offset,
                chunk_index=0,
                step_id=problem.step_id,
            )
        )
    ids = None
    if result.first_step_id is not None and result.last_step_id is not None:
        ids = StepIdRange(first=result.first_step_id, last=result.last_step_id)
    return result.step_count, ids
