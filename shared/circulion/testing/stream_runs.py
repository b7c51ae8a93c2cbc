"""A stream checker's outcome for test lines, fed as one run (the batch path) or record by
record (the exact path): the two must be equal, whatever the lines."""

from __future__ import annotations

from circulion.contracts.events import ChunkSpan, StepIdRange, ValidationIssue
from circulion.recipes.issue_log import IssueLog
from circulion.recipes.safety import SafetyChecks
from circulion.recipes.scanning import RecordRun, records_at
from circulion.recipes.stream_check import StreamChecker

Outcome = tuple[int, StepIdRange | None, list[ValidationIssue]]


def checker_outcome(
    lines: list[bytes], safety: SafetyChecks | None, *, runs: bool, chunk: int = 1, limit: int = 4096
) -> Outcome:
    """``(record_count, step_ids, issues)`` of chunk ``chunk`` holding ``lines`` (chunk 0
    starts at the file's first byte; a later one at byte 10, its header elsewhere)."""
    issues = IssueLog(100, 1000)
    start = 0 if chunk == 0 else 10
    checker = StreamChecker(ChunkSpan(index=chunk, start=start, end=10**9), safety, issues, limit)
    run = RecordRun(start, 1, b"\n".join(lines))
    if runs:
        checker.check_run(run)
    else:
        for record in records_at(run.lines(), run.offset, run.chunk_line, limit):
            checker.check(record)
    return checker.record_count, checker.step_ids, issues.kept
