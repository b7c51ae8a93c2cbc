"""Handlers of the withdraw/restore commands, in the same two passes as ``recipe.merged``.

``apply`` (first pass): mark the version withdrawn or not (only if the command's sequence
is newer than the last applied to it), recompute the pointer from the name's versions under
a new generation, copy it to S3, and claim the pointer path for the batch's invalidation.
``announce`` (second pass): emit ``recipe.withdrawn`` / ``recipe.restored``.

Each step is safe to repeat: a redelivered command (same sequence) skips the marks already
made (the generation it produced is noted on the version), rewrites the same S3 copy, and
finds the invalidation its first delivery planned or made under its own batch key; a late
command superseded by a newer one of the same recipe changes nothing and announces nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chalicelib import pointer_object
from chalicelib.deps import Deps
from chalicelib.handlers import BatchInvalidation, settled_or_resent
from chalicelib.name_versions import Mark, VersionEntry, best_live
from chalicelib.publication import pointer_key
from chalicelib.versions import order_key
from circulion import log
from circulion.cdn_signing import cdn_path
from circulion.contracts import (
    Envelope,
    PointerChangePayload,
    RecipeRestored,
    RecipeRestoreRequested,
    RecipeWithdrawalRequested,
    RecipeWithdrawn,
)
from circulion.errors import TransientError

Command = RecipeWithdrawalRequested | RecipeRestoreRequested
COMMANDS = (RecipeWithdrawalRequested, RecipeRestoreRequested)
_REPLACE_ATTEMPTS = 5

_log = logging.getLogger(__name__)


def batch_key(message: Envelope) -> str:
    """The key the batch's invalidation bookkeeping uses for this record.

    A merged recipe's is its id; a command's adds its kind and sequence, because the
    recipe's own distribution already has an invalidation recorded under its id.
    """
    if isinstance(message, COMMANDS):
        kind = "withdraw" if isinstance(message, RecipeWithdrawalRequested) else "restore"
        return f"{message.recipe_id}#{kind}#{message.payload.sequence}"
    return message.recipe_id


def _entry(message: Command, deps: Deps) -> VersionEntry:
    p = message.payload
    return VersionEntry(
        tenant_id=message.tenant_id,
        name=p.name,
        recipe_id=message.recipe_id,
        version=p.version,
        order_key=order_key(p.version),
        key=p.artifact.key,
        sha256=p.artifact.sha256,
        size=p.artifact.size_bytes,
        published_at=deps.clock().isoformat(timespec="seconds"),
    )


def _regenerate(entry: VersionEntry, deps: Deps) -> int:
    """Point the name at its best live version under a new generation; return that generation."""
    for _ in range(_REPLACE_ATTEMPTS):
        row = deps.versions.pointer_row(entry.tenant_id, entry.name)
        best = best_live(deps.versions.versions(entry.tenant_id, entry.name))
        # Even when the best version is the one already named, the generation moves on.
        pointer = best.pointer(row.generation + 1) if best else None
        if deps.versions.replace_pointer(entry.tenant_id, entry.name, row, pointer):
            return row.generation + 1
    raise TransientError(f"the pointer of {entry.name} kept changing; will retry")


def apply(message: Command, deps: Deps, batch: BatchInvalidation) -> Sequence[Envelope]:
    withdrawn = isinstance(message, RecipeWithdrawalRequested)
    sequence = message.payload.sequence
    mark, entry = deps.versions.mark(_entry(message, deps), withdrawn, sequence)
    if mark is Mark.SUPERSEDED:
        _log.info("command superseded by a newer one; nothing to do", extra=log.fields(sequence=sequence))
        return []
    if entry.applied_generation is None:
        generation = _regenerate(entry, deps)
        deps.versions.note_applied(entry, sequence, generation)
    bucket = deps.settings.resources.artifacts_bucket
    pointer_object.sync(deps.objects, bucket, deps.store, entry.tenant_id, entry.name)
    key = batch_key(message)
    if not settled_or_resent(deps, batch, key):
        path = cdn_path(pointer_key(entry.tenant_id, entry.name))
        batch.claim(key, f"{entry.version}+{'withdraw' if withdrawn else 'restore'}.{sequence}", path)
    return []


def announce(message: Command, deps: Deps, batch: BatchInvalidation) -> Sequence[Envelope]:
    invalidation_id = batch.outcome(batch_key(message))
    p = message.payload
    stored = [e for e in deps.versions.versions(message.tenant_id, p.name) if e.recipe_id == message.recipe_id]
    generation = stored[0].applied_generation if stored and stored[0].sequence == p.sequence else None
    if generation is None:  # superseded between the passes: the newer command announces
        return []
    live = deps.store.current_pointer(message.tenant_id, p.name)
    payload = PointerChangePayload(
        name=p.name,
        version=p.version,
        sequence=p.sequence,
        generation=generation,
        pointer_path=cdn_path(pointer_key(message.tenant_id, p.name)),
        live_version=live.version if live else None,
        invalidation_id=invalidation_id,
    )
    outcome = RecipeWithdrawn if isinstance(message, RecipeWithdrawalRequested) else RecipeRestored
    return [message.follow(outcome, payload)]
