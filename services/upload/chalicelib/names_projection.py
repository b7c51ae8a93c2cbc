"""Keeping the names index current from the lifecycle events the status projection consumes.

A name is listed once one of its uploads is validated; its live-version summary is
recomputed whenever a version of it becomes distributed, is withdrawn or is restored.
Two refreshes may race (events of two versions in two workers); each re-reads the versions
after writing and writes again until what it wrote matches them, so the last writer
always leaves the summary the versions imply.
"""

from __future__ import annotations

import logging

from chalicelib.live import live_version
from chalicelib.name_index import NameIndex
from chalicelib.recipe import Recipe
from chalicelib.store import RecipeStore
from circulion import log
from circulion.contracts import Envelope
from circulion.errors import TransientError

_log = logging.getLogger(__name__)

LISTING = frozenset({"recipe.validated"})
REFRESHING = frozenset(
    {
        "recipe.distributed",
        "recipe.withdrawn",
        "recipe.restored",
        "recipe.withdrawal_requested",
        "recipe.restore_requested",
    }
)
_REFRESH_ATTEMPTS = 3


def observe(message: Envelope, store: RecipeStore, index: NameIndex, known: Recipe | None = None) -> None:
    """Apply one lifecycle event to the names index (after the status projection did).

    ``known`` is the recipe's record if the projection already has it (its tenant and name
    never change, so the one from before the projection's write will do): not read again.
    """
    if message.type not in LISTING | REFRESHING:
        return
    recipe = known if known is not None and known.recipe_id == message.recipe_id else store.get(message.recipe_id)
    if recipe is None or recipe.tenant_id != message.tenant_id:
        return
    if message.type in LISTING:
        index.note(recipe.tenant_id, recipe.name)
        return
    refresh(index, recipe.tenant_id, recipe.name)


def refresh(index: NameIndex, tenant_id: str, name: str) -> None:
    """Recompute the name's summary from its versions until it stops changing under us."""
    live = live_version(index.recipes_of(tenant_id, name))
    for _ in range(_REFRESH_ATTEMPTS):
        index.set_live(tenant_id, name, live)
        again = live_version(index.recipes_of(tenant_id, name))
        if again == live:
            return
        live = again
    _log.warning("names summary kept changing", extra=log.fields(name=name))
    raise TransientError(f"the versions of {name} kept changing; will retry")
