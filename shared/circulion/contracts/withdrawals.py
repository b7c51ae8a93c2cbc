"""Withdrawing a distributed version and restoring it: two commands and their outcomes.

The commands are imperative (an admin asked; the distributor decides what the pointer
does), the outcomes past tense. ``sequence`` numbers a recipe's withdraw/restore requests
so the distributor applies each once and never lets a late, older one undo a newer one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from circulion.contracts.artifacts import ArtifactRef
from circulion.contracts.envelope import Envelope, Payload

MAX_REASON_CHARS = 500


class RecipeWithdrawalRequestedPayload(Payload):
    name: str
    version: str
    sequence: int = Field(ge=1, description="the recipe's withdraw/restore request number")
    by: str = Field(description="subject of the admin who asked")
    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS)
    artifact: ArtifactRef


class RecipeWithdrawalRequested(Envelope):
    """Command: take this version out of distribution (move its name's pointer off it)."""

    type: Literal["recipe.withdrawal_requested"] = "recipe.withdrawal_requested"
    payload: RecipeWithdrawalRequestedPayload


class RecipeRestoreRequestedPayload(Payload):
    name: str
    version: str
    sequence: int = Field(ge=1)
    by: str
    artifact: ArtifactRef


class RecipeRestoreRequested(Envelope):
    """Command: put a withdrawn version back into distribution."""

    type: Literal["recipe.restore_requested"] = "recipe.restore_requested"
    payload: RecipeRestoreRequestedPayload


class PointerChangePayload(Payload):
    """Where the name's pointer ended up after a withdrawal or a restore."""

    name: str
    version: str
    sequence: int = Field(ge=1)
    generation: int = Field(ge=1, description="the pointer's generation this change started")
    pointer_path: str
    live_version: str | None = Field(description="the version the pointer names now; null: no live version")
    invalidation_id: str | None = None


class RecipeWithdrawn(Envelope):
    """The version is out of distribution: its name's pointer no longer names it."""

    type: Literal["recipe.withdrawn"] = "recipe.withdrawn"
    payload: PointerChangePayload


class RecipeRestored(Envelope):
    """The withdrawn version is back: its name's pointer considers it again."""

    type: Literal["recipe.restored"] = "recipe.restored"
    payload: PointerChangePayload
