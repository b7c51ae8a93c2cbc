"""What ``upload --wait`` and ``status --watch`` print while a recipe is processed.

The API's status is a projection of events and may lag or be read from a replica a poll
behind: a status older than one already shown is not news, so it is not printed (no
``AWAITING_UPLOAD`` after the upload completed, no ``PROCESSING`` after ``MERGING``). The
chunks bar belongs to ``PROCESSING``: drawn once, ended when the recipe moves on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from circulion_cli.models import AWAITING_UPLOAD, DISTRIBUTED, STATUSES, Recipe
from circulion_cli.progress import ProgressBar

if TYPE_CHECKING:
    from circulion_cli.console import Io

PROCESSING = "PROCESSING"


def rank(status: str) -> int:
    """Position in the lifecycle; terminal failures and unknown statuses rank last."""
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


class StatusFollower:
    """Feeds on each polled :class:`Recipe`; prints status changes and one chunks bar."""

    def __init__(self, io: Io, *, quiet: bool, uploaded: bool = False) -> None:
        self._io = io
        self._quiet = quiet
        # After our own upload completed, AWAITING_UPLOAD is the projection lagging behind.
        self._shown = rank(AWAITING_UPLOAD) if uploaded else -1
        self._bar: ProgressBar | None = None
        self._bar_done = False
        self._total = 0

    def update(self, recipe: Recipe) -> None:
        if self._quiet:
            return
        position = rank(recipe.status)
        if position > self._shown:
            if position > rank(PROCESSING) and recipe.status in STATUSES[: STATUSES.index(DISTRIBUTED) + 1]:
                self._fill_bar()  # every chunk was processed, whatever the last poll showed
            self._end_bar()
            self._io.note(f"status: {recipe.status}")
            self._shown = position
        total = recipe.progress.chunks_total
        if recipe.status == PROCESSING and total and not self._bar_done and position >= self._shown:
            if self._bar is None:
                self._bar = ProgressBar(self._io.err, "chunks", unit="items")
            self._total = total
            self._bar.update(recipe.progress.chunks_done, total)

    def _fill_bar(self) -> None:
        if self._bar is not None and self._total:
            self._bar.update(self._total, self._total)

    def close(self) -> None:
        self._end_bar()

    def _end_bar(self) -> None:
        if self._bar is not None:
            self._bar.finish()
            self._bar = None
            self._bar_done = True
