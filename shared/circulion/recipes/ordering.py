"""Rules that span chunks, composed from per-chunk summaries (the merger applies them).

A chunk knows its own step ids and its own newlines, not what came before it; given every
chunk's summary in index order these functions give file-wide answers without rereading a
byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

from circulion.contracts.events import StepIdRange, ValidationIssue
from circulion.recipes.records import order_problem


def step_order_issues(
    ranges: Sequence[StepIdRange | None], newline_counts: Sequence[int] | None = None
) -> list[ValidationIssue]:
    """Cross-chunk step-id order: each chunk's first id must exceed the previous chunk's last.

    Parameters
    ----------
    ranges
        Per chunk, in index order, its ``step_ids`` (``None`` for a chunk without steps).
    newline_counts
        Per chunk, its ``newline_count``; lets the issue carry the file line.
    """
    issues: list[ValidationIssue] = []
    previous: int | None = None
    before = lines_before(newline_counts) if newline_counts is not None else None
    for index, summary in enumerate(ranges):
        if summary is None:
            continue
        if previous is not None and summary.first <= previous:
            problem = order_problem(previous, summary.first)
            line = summary.first_line
            if line is None and before is not None and summary.first_chunk_line is not None:
                line = before[index] + summary.first_chunk_line
            issues.append(
                ValidationIssue(
                    code=problem.code,
                    message=problem.message,
                    step_id=summary.first,
                    chunk_index=index,
                    line=line,
                    byte_offset=summary.first_offset,
                )
            )
        previous = summary.last
    return issues


def lines_before(newline_counts: Sequence[int]) -> list[int]:
    """Newlines before each chunk: the prefix sums of the chunks' ``newline_count``."""
    return [0, *accumulate(newline_counts)][: len(newline_counts)]


def with_file_lines(issues: Sequence[ValidationIssue], newline_counts: Sequence[int]) -> list[ValidationIssue]:
    """Fill ``line`` of issues that only know their ``chunk_line``.

    File line = newlines before the issue's chunk + its chunk line.
    """
    before = lines_before(newline_counts)
    out: list[ValidationIssue] = []
    for issue in issues:
        index = issue.chunk_index
        if issue.line is None and issue.chunk_line is not None and index is not None and 0 <= index < len(before):
            out.append(issue.model_copy(update={"line": before[index] + issue.chunk_line}))
        else:
            out.append(issue)
    return out
