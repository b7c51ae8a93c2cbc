"""Deciding whether a complete recipe is rejected, and its one merged report (pure).

Workers validate their own chunks; only the merger sees every chunk, so it checks the
rules that span chunks (step ids strictly increase through the whole stream, a stream
has a step) and merges every chunk's issues into one report sorted by position in the
uploaded file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from circulion.contracts.events import (
    MAX_ISSUES_PER_MESSAGE,
    ChunkProcessedPayload,
    ObjectRef,
    RecipeKind,
    RecipeRejectedPayload,
    ValidationIssue,
)
from circulion.recipes import limits
from circulion.recipes.merge import merge_issues
from circulion.recipes.whole_recipe import whole_recipe_issues

MAX_REPORT_ISSUES = limits.MAX_REPORT_ISSUES
"""Issues kept in the S3 report; the count still says how many there were."""


def cross_chunk_issues(chunks: Sequence[ChunkProcessedPayload], kind: RecipeKind) -> list[ValidationIssue]:
    """The shared whole-recipe rules: step ids increase across every chunk boundary, and a
    stream has a step in some chunk.

    ``chunks`` are every chunk of the recipe, by index; chunks without records are
    skipped over by the order rule.
    """
    found = sum(max(c.issue_count, len(c.issues)) for c in chunks)
    return whole_recipe_issues(kind, [c.step_ids for c in chunks], _newline_counts(chunks), found)


def _newline_counts(chunks: Sequence[ChunkProcessedPayload]) -> list[int] | None:
    counts = [c.newline_count for c in chunks]
    return None if any(n is None for n in counts) else [n for n in counts if n is not None]


def has_chunk_issues(chunks: Iterable[ChunkProcessedPayload]) -> bool:
    return any(c.issue_count > 0 or c.issues for c in chunks)


def reported_issue_count(chunks: Iterable[ChunkProcessedPayload], cross: Sequence[ValidationIssue]) -> int:
    """How many issues there are in all, including those only counted by the workers."""
    return sum(max(c.issue_count, len(c.issues)) for c in chunks) + len(cross)


def merged_issues(
    chunks: Sequence[ChunkProcessedPayload],
    overflow: Mapping[int, Sequence[ValidationIssue]],
    cross: Sequence[ValidationIssue],
) -> list[ValidationIssue]:
    """Every known issue, sorted by position, at most :data:`MAX_REPORT_ISSUES`
    (the shared :func:`~circulion.recipes.merge.merge_issues`, which ``circulion validate``
    runs too).

    ``overflow`` holds, by chunk index, the full lists from the chunks' S3 reports; a
    chunk's inline issues are used when it has no report.
    """
    lists = [(c.chunk.index, overflow.get(c.chunk.index) or c.issues) for c in chunks]
    return merge_issues(lists, cross, _newline_counts(chunks), MAX_REPORT_ISSUES)


def rejection(issues: Sequence[ValidationIssue], issue_count: int, report: ObjectRef) -> RecipeRejectedPayload:
    """The ``recipe.rejected`` payload: the first issues inline, the full list in ``report``.

    The stage is ``validation``: the problems are in the customer's content (found by the
    workers, or across chunks here); ``merge`` failures are ours and end as recipe.failed.
    """
    return RecipeRejectedPayload(
        stage="validation",
        issues=list(issues[:MAX_ISSUES_PER_MESSAGE]),
        issue_count=max(issue_count, len(issues), 1),
        report=report,
    )


def report_document(recipe_id: str, issues: Sequence[ValidationIssue], issue_count: int) -> dict[str, object]:
    """The JSON written to ``reports/{recipe_id}/issues.json``."""
    return {
        "recipe_id": recipe_id,
        "issue_count": max(issue_count, len(issues)),
        "truncated": issue_count > len(issues),
        "issues": [i.model_dump(mode="json") for i in issues],
    }
