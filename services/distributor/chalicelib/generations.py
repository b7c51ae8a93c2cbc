"""Publishing a merged version under the generation rule.

Order matters: the pointer's generation is read *before* the version's ``withdrawn`` flag.
A withdrawal marks the flag before it starts a new generation, so either this publication
sees the flag (and leaves the pointer alone), or it carries the old generation and the
table refuses its write (``REGENERATED``), and it starts over.
"""

from __future__ import annotations

import logging

from chalicelib.deps import Deps
from chalicelib.name_versions import entry_of
from chalicelib.publication import Pointer, PointerMove, candidate_pointer
from circulion import log
from circulion.contracts.events import RecipeMerged
from circulion.errors import TransientError

_ATTEMPTS = 3

_log = logging.getLogger(__name__)


def advance(message: RecipeMerged, deps: Deps) -> tuple[PointerMove, Pointer, Pointer] | None:
    """``(move, candidate, winner)``; ``None`` when the version was withdrawn (nothing to publish)."""
    recipe = message.payload.recipe
    for _ in range(_ATTEMPTS):
        generation = deps.store.pointer_generation(message.tenant_id, recipe.name)
        entry = deps.versions.record(entry_of(message, deps.clock()))
        if entry.withdrawn:
            _log.info("merged version is withdrawn; the pointer stays", extra=log.fields(version=recipe.version))
            return None
        candidate = candidate_pointer(message, deps.clock(), generation)
        move, winner = deps.store.advance_pointer(candidate)
        if move is not PointerMove.REGENERATED:
            return move, candidate, winner
    raise TransientError(f"the pointer of {recipe.name} kept changing generation; will retry")
