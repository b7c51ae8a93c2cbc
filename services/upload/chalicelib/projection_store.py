"""Projecting one lifecycle event onto the recipes store, the exact way: read the record,
apply :func:`~chalicelib.projection.project`, write against the revision read, and start
again if another write came between. The DynamoDB store first tries the one write of
:mod:`chalicelib.projection_guess` and comes here only when that write's condition fails
(with the record the failed write returned, so still without a read of its own)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.errors import StoreConflict
from chalicelib.projection import Projected, State, affects_record, project
from chalicelib.recipe import Recipe
from chalicelib.store import RecipeStore
from circulion.contracts import Envelope
from circulion.errors import TransientError

APPLY_ATTEMPTS = 5


def state_of(recipe: Recipe) -> State:
    """What the projection's rules look at in a record."""
    return State(recipe.status, recipe.failed_at, recipe.chunks_total, recipe.moments())


def record_by_reading(store: RecipeStore, event: Envelope, now: datetime) -> Projected | None:
    """:meth:`RecipeStore.record_event` for a store without a cheaper way (the in-memory fake)."""
    return project_by_reading(store, event, now) if affects_record(event.type) else None


def project_by_reading(
    store: RecipeStore, event: Envelope, now: datetime, *, current: Recipe | None = None
) -> Projected | None:
    """Project ``event`` exactly; ``current`` is the record if it was just got some other way.

    ``None`` for an event of an unknown recipe (or of another tenant's).
    """
    recipe = current
    for _ in range(APPLY_ATTEMPTS):
        if recipe is None:
            recipe = store.get(event.recipe_id)
        if recipe is None or recipe.tenant_id != event.tenant_id:
            return None
        change = project(state_of(recipe), event)
        if change is None:
            return Projected(recipe, None)
        try:
            store.apply(recipe, change, now)
        except StoreConflict:
            recipe = None  # another event changed the record since it was read: recompute
            continue
        return Projected(recipe, change)
    raise TransientError(f"recipe {event.recipe_id} kept changing; will retry")
