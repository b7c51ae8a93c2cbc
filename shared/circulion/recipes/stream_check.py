"""Validation by kind, turning record-level problems into positioned issues.

Positions: ``byte_offset`` is always the offset in the uploaded file. Chunk 0 knows file
lines outright; a later chunk does not know how many lines precede it, so its issues
carry ``chunk_line`` and the event carries the chunk's ``newline_count``, from which the
merger composes file lines (:func:`circulion.recipes.with_file_lines`).
"""

from __future__ import annotations

from operator import lt

from circulion.contracts.events import ChunkSpan, StepIdRange, ValidationIssue
from circulion.recipes.issue_log import IssueLog
from circulion.recipes.plain_batches import plain_valid_steps
from circulion.recipes.records import (
    check_document,
    check_header,
    check_step,
    is_blank,
    order_problem,
)
from circulion.recipes.safety import SafetyChecks
from circulion.recipes.scanning import Record, RecordRun, records_at
from circulion.recipes.strict_json import Problem

PLAIN_BATCH = 64
"""Records decoded per batch call: large enough to amortise the call, small enough that a
failed batch wastes little. With pydantic models 64 beat 128 by 15 % (the cyclic GC grew
past ~64 live models); with the msgspec batch path 64 and 256 cost the same
(``python -m bench.chunk_worker``, same verdicts), 512 more."""
PLAIN_SMALLEST = 16
"""A failing window at most this large is checked record by record (dense problems)."""


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
        """:meth:`check` for every record of ``run``, with identical outcome.

        Windows of records are tried as one batch (:func:`plain_valid_steps`), which
        needs no positions; a window with a problem shrinks towards its first suspect
        record, which goes alone the exact way (a suspect may be innocent: the exact way
        is right for any record). The window doubles after a success and halves after a
        record went the exact way, so sparse bad records cost a few extra batch attempts
        and dense ones settle into small windows checked record by record.
        """
        lines = run.lines()
        offset, line, at, width = run.offset, run.chunk_line, 0, PLAIN_BATCH
        while at < len(lines):
            window = lines[at : at + width]
            suspect = self._check_plain(window, offset, line)
            if suspect is None:
                taken = len(window)
                width = min(PLAIN_BATCH, 2 * width)
            elif suspect > 0 and len(window) > PLAIN_SMALLEST:
                width = suspect  # the records before the suspect, again as a batch
                continue
            elif suspect == 0 or len(window) <= PLAIN_SMALLEST:
                taken = 1 if suspect == 0 and len(window) > PLAIN_SMALLEST else len(window)
                for record in records_at(window[:taken], offset, line, self._limit):
                    self.check(record)
                width = max(PLAIN_SMALLEST, width // 2)
            else:  # a problem somewhere: try the first half
                width = len(window) // 2
                continue
            offset += sum(map(len, window[:taken])) + taken
            line += taken
            at += taken

    def _check_plain(self, group: list[bytes], offset: int, line: int) -> int | None:
        """Account for ``group`` when it has no problem at all (``None``); else touch
        nothing and give the index of the first suspect record, -1 when unknown."""
        if offset == 0:
            return 0  # the header: it alone is checked as one
        if max(map(len, group)) > self._limit:
            return next(i for i, data in enumerate(group) if len(data) > self._limit)
        ids = plain_valid_steps(group, self._safety)
        if isinstance(ids, int):
            return ids
        if self._last is not None and ids[0] <= self._last:
            return 0
        if not all(map(lt, ids, ids[1:])):
            return 1 + next(i for i in range(len(ids) - 1) if ids[i] >= ids[i + 1])
        self.record_count += len(ids)
        if self._first is None:
            self._first = (ids[0], Record(offset, line, len(group[0]), group[0]))
        self._last = ids[-1]
        return None

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
