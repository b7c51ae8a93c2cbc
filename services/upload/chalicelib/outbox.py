"""The withdraw/restore commands not yet confirmed, so a crash cannot lose one.

The API writes the recipe's new status and then publishes the command: a process that dies
between the two would leave the command unsent. So before either, it notes the command
here (``recipe_id`` and the request's ``sequence``); the status projection deletes the
note when the distributor's outcome (``recipe.withdrawn`` / ``recipe.restored``) with that
sequence arrives; a scheduled sweep re-sends what is still noted after a grace period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from circulion.contracts import Envelope, RecipeRestored, RecipeWithdrawn


@dataclass(frozen=True)
class PendingCommand:
    recipe_id: str
    sequence: int
    due_at: datetime
    """Re-send it if still pending at this time."""
    resends: int = 0


class CommandOutbox(Protocol):
    """Port: commands published (or about to be) and not yet confirmed."""

    def note(self, command: PendingCommand) -> None:
        """Record (or replace: one per recipe, the newest wins) a pending command."""

    def due(self, now: datetime, limit: int) -> list[PendingCommand]:
        """Pending commands whose ``due_at`` has passed."""

    def settle(self, recipe_id: str, sequence: int) -> None:
        """Forget the recipe's pending command if it is the one of ``sequence`` (idempotent)."""


def settle_outcome(message: Envelope, outbox: CommandOutbox) -> None:
    """The distributor confirmed a command: forget it (called by the status projection)."""
    if isinstance(message, RecipeWithdrawn | RecipeRestored):
        outbox.settle(message.recipe_id, message.payload.sequence)
