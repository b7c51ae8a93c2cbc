"""Complete and abort racing each other: the loser gets a 409 saying where the recipe is.

S3 (or the emulator, which answered a 500 when a completion met an abort) fails the
losing call in its own way; whatever it said, the recipe's record is what decides the
answer: re-read it, and if the other call got there first, say so with its status.
"""

from __future__ import annotations

from chalicelib.errors import Conflict
from chalicelib.recipe import Recipe, Status
from chalicelib.store import RecipeStore


def state_details(recipe: Recipe) -> dict[str, object]:
    """What a 409 about the upload's state carries, so a client knows what happened."""
    return {"status": recipe.status.value, "upload_completed": recipe.upload_completed}


def lost_to_abort(store: RecipeStore, recipe_id: str) -> Conflict | None:
    """The 409 for a complete that an abort beat, or ``None`` if the recipe was not aborted."""
    current = store.get(recipe_id)
    if current is None or current.status is not Status.ABORTED:
        return None
    return Conflict("the upload was aborted", code="upload_not_open", details=state_details(current))


def lost_to_complete(store: RecipeStore, recipe_id: str) -> Conflict | None:
    """The 409 for an abort that a complete (or processing) beat, or ``None`` if still open."""
    current = store.get(recipe_id)
    if current is None or (current.status is Status.AWAITING_UPLOAD and not current.upload_completed):
        return None
    return Conflict(
        f"the upload is already {current.status.value.lower()}"
        + (" and completed" if current.upload_completed else "")
        + "; nothing to abort",
        code="not_abortable",
        details=state_details(current),
    )
