"""The verdict rules only the whole recipe shows, once every chunk's summary is in (pure).

The merger and ``circulion validate`` apply this one composition, so a recipe cut into
many chunks gets the verdict it gets as one chunk: step ids increase across chunk
boundaries (:func:`~circulion.recipes.ordering.step_order_issues`), and a stream has at
least one step. A one-chunk stream's worker already reports ``no_steps``
(``StreamChecker.finish(whole_file=True)``); a stream cut into several chunks has no
worker that sees the whole file, so here the rule is applied to every chunk's step ids.
"""

from __future__ import annotations

from collections.abc import Sequence

from circulion.contracts.events import RecipeKind, StepIdRange, ValidationIssue
from circulion.recipes.ordering import step_order_issues


def whole_recipe_issues(
    kind: RecipeKind,
    ranges: Sequence[StepIdRange | None],
    newline_counts: Sequence[int] | None,
    chunk_issue_count: int,
) -> list[ValidationIssue]:
    """The cross-chunk issues of a recipe.

    Parameters
    ----------
    kind
        The recipe's kind: only a stream needs a step in some chunk (a document's steps are
        its own chunk's rule; an asset has none).
    ranges
        Per chunk, in index order, its ``step_ids`` (``None`` for a chunk without steps).
    newline_counts
        Per chunk, its ``newline_count`` (``None`` when not every chunk knows).
    chunk_issue_count
        How many issues the chunks themselves found. As in the one-chunk rule, ``no_steps``
        is the verdict only of a stream with nothing else wrong: steps that are there but
        broken are reported as what they are.

    Examples
    --------
    >>> [i.code for i in whole_recipe_issues("stream", [None, None, None], [1, 40, 3], 0)]
    ['no_steps']
    >>> whole_recipe_issues("asset", [None, None], None, 0)
    []
    """
    issues = step_order_issues(ranges, newline_counts)
    if kind == "stream" and not chunk_issue_count and not issues and all(r is None for r in ranges):
        issues.append(ValidationIssue(code="no_steps", message="the stream has no steps", chunk_index=0))
    return issues
