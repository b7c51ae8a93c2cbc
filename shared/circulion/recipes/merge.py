"""Merging every chunk's issues into one report sorted by position in the uploaded file:
what the merger publishes and what ``circulion validate`` prints (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from circulion.contracts.events import ValidationIssue
from circulion.recipes.limits import MAX_REPORT_ISSUES
from circulion.recipes.ordering import with_file_lines

_UNKNOWN = 1 << 62  # issues without a position sort last


def issue_position(issue: ValidationIssue) -> tuple[int, int, int, str]:
    """The report's order: byte offset, then line, chunk and code."""
    return (
        issue.byte_offset if issue.byte_offset is not None else _UNKNOWN,
        issue.line if issue.line is not None else _UNKNOWN,
        issue.chunk_index if issue.chunk_index is not None else _UNKNOWN,
        issue.code,
    )


def merge_issues(
    chunk_issues: Iterable[tuple[int, Sequence[ValidationIssue]]],
    cross: Sequence[ValidationIssue],
    newline_counts: Sequence[int] | None,
    limit: int = MAX_REPORT_ISSUES,
) -> list[ValidationIssue]:
    """Every known issue once, with file lines, sorted by position, at most ``limit``.

    Parameters
    ----------
    chunk_issues
        ``(chunk index, its issues)`` per chunk; an issue without a ``chunk_index`` gets it.
    cross
        The issues only the whole recipe shows (:func:`~circulion.recipes.step_order_issues`).
    newline_counts
        Per chunk, in index order, its newlines; ``None`` when not every chunk knows.
    """
    everything: dict[tuple[object, ...], ValidationIssue] = {}
    for index, issues in chunk_issues:
        for issue in issues:
            with_chunk = issue if issue.chunk_index is not None else issue.model_copy(update={"chunk_index": index})
            # A report may repeat the inline issues: keep each once.
            everything.setdefault(tuple(with_chunk.model_dump().values()), with_chunk)
    for issue in cross:
        everything.setdefault(tuple(issue.model_dump().values()), issue)
    found = list(everything.values())
    if newline_counts is not None:
        # Workers know lines within their chunk; the newlines before it make them file lines.
        found = with_file_lines(found, newline_counts)
    return sorted(found, key=issue_position)[:limit]
