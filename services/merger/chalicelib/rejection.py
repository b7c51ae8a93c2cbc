"""Deciding whether a complete recipe is rejected, and its one merged report (pure).

Workers validate their own chunks; only the merger sees every chunk, so it checks the
rules that span chunks (step ids strictly increase through the whole stream) and merges
every chunk's issues into one report sorted by position in the uploaded file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from circulion.contracts.events import (
    MAX_ISSUES_PER_MESSAGE,
    ChunkProcessedPayload,
    ObjectRef,
    RecipeRejectedPayload,
    ValidationIssue,
)

MAX_REPORT_ISSUES = 10_000
"""Issues kept in the S3 report; the count still says how many there were."""

STEP_ORDER_CODE = "step_id_not_increasing"


def cross_chunk_issues(chunks: Sequence[ChunkProcessedPayload]) -> list[ValidationIssue]:
    """Step ids must increase across every chunk boundary.

    A chunk's last step id is compared with the first step id of the next chunk that has
    records at all (chunks without records are skipped over).
    """
    issues: list[ValidationIssue] = []
    previous: ChunkProcessedPayload | None = None
    for chunk in chunks:
        if chunk.step_ids is None:
            continue
        if previous is not None and previous.step_ids is not None and chunk.step_ids.first <= previous.step_ids.last:
            issues.append(
                ValidationIssue(
                    code=STEP_ORDER_CODE,
                    message=(
                        f"step id {chunk.step_ids.first} does not follow step id {previous.step_ids.last}: "
                        "step ids must strictly increase"
                    ),
                    line=chunk.step_ids.first_line,
                    # The first record of this chunk starts at or after the chunk's start.
                    byte_offset=chunk.chunk.start,
                    chunk_index=chunk.chunk.index,
                    step_id=chunk.step_ids.first,
                )
            )
        previous = chunk
    return issues


def has_chunk_issues(chunks: Iterable[ChunkProcessedPayload]) -> bool:
    return any(c.issue_count > 0 or c.issues for c in chunks)


def reported_issue_count(chunks: Iterable[ChunkProcessedPayload], cross: Sequence[ValidationIssue]) -> int:
    """How many issues there are in all, including those only counted by the workers."""
    return sum(max(c.issue_count, len(c.issues)) for c in chunks) + len(cross)


def _position(issue: ValidationIssue) -> tuple[int, int, int, str]:
    unknown = 1 << 62  # issues without a position sort last
    return (
        issue.byte_offset if issue.byte_offset is not None else unknown,
        issue.line if issue.line is not None else unknown,
        issue.chunk_index if issue.chunk_index is not None else unknown,
        issue.code,
    )


def merged_issues(
    chunks: Sequence[ChunkProcessedPayload],
    overflow: Mapping[int, Sequence[ValidationIssue]],
    cross: Sequence[ValidationIssue],
) -> list[ValidationIssue]:
    """Every known issue, sorted by position, at most :data:`MAX_REPORT_ISSUES`.

    ``overflow`` holds, by chunk index, the full lists from the chunks' S3 reports; a
    chunk's inline issues are used when it has no report.
    """
    everything: dict[tuple[object, ...], ValidationIssue] = {}
    for chunk in chunks:
        issues = overflow.get(chunk.chunk.index) or chunk.issues
        for issue in issues:
            with_chunk = (
                issue if issue.chunk_index is not None else issue.model_copy(update={"chunk_index": chunk.chunk.index})
            )
            # A report may repeat the inline issues: keep each once.
            everything.setdefault(tuple(with_chunk.model_dump().values()), with_chunk)
    for issue in cross:
        everything.setdefault(tuple(issue.model_dump().values()), issue)
    return sorted(everything.values(), key=_position)[:MAX_REPORT_ISSUES]


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
