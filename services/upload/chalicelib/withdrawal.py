"""Withdrawing a distributed recipe and restoring it (admin only; the role check is in ``roles``).

The recipe's record changes first (status, who, when, why and the request's sequence
number, in one conditional write), then the command goes to the distributor, which owns
the pointer. Asking again is a no-op on the record but sends the command again with the
same sequence number, and the distributor ignores a command whose sequence it already
applied. A crash between the write and the publish is covered by the outbox
(:mod:`chalicelib.outbox`): the scheduled sweep re-sends a command not confirmed in time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from chalicelib import views
from chalicelib.api import owned
from chalicelib.auth import Principal
from chalicelib.errors import Conflict, StoreConflict, Unavailable
from chalicelib.fleet import FleetDeps
from chalicelib.fleet_models import WithdrawRecipe
from chalicelib.models import RecipeView
from chalicelib.names_projection import refresh
from chalicelib.outbox import PendingCommand
from chalicelib.recipe import Recipe, Restoration, Status, Withdrawal
from circulion.contracts import (
    ArtifactRef,
    Envelope,
    RecipeRestoreRequested,
    RecipeRestoreRequestedPayload,
    RecipeWithdrawalRequested,
    RecipeWithdrawalRequestedPayload,
)

_WRITE_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
"""How long a command may go unconfirmed before the sweep sends it again."""


def _artifact(recipe: Recipe) -> ArtifactRef:
    a = recipe.artifact
    if a is None:  # a distributed (or withdrawn) recipe always has its archive recorded
        raise Conflict(f"recipe {recipe.recipe_id} has no archive", code="not_distributed")
    return ArtifactRef(bucket=a.bucket, key=a.key, size_bytes=a.size_bytes, sha256=a.sha256)


def _withdrawal_command(recipe: Recipe) -> Envelope:
    w = recipe.withdrawn
    assert w is not None
    payload = RecipeWithdrawalRequestedPayload(
        name=recipe.name,
        version=recipe.version,
        sequence=recipe.withdrawal_sequence,
        by=w.by,
        reason=w.reason,
        artifact=_artifact(recipe),
    )
    return RecipeWithdrawalRequested(
        recipe_id=recipe.recipe_id, tenant_id=recipe.tenant_id, trace_header=recipe.trace_header, payload=payload
    )


def _restore_command(recipe: Recipe, by: str) -> Envelope:
    payload = RecipeRestoreRequestedPayload(
        name=recipe.name,
        version=recipe.version,
        sequence=recipe.withdrawal_sequence,
        by=recipe.restored.by if recipe.restored else by,
        artifact=_artifact(recipe),
    )
    return RecipeRestoreRequested(
        recipe_id=recipe.recipe_id, tenant_id=recipe.tenant_id, trace_header=recipe.trace_header, payload=payload
    )


def command_for(recipe: Recipe) -> Envelope:
    """The command the recipe's last withdraw/restore request sent (or should have)."""
    if recipe.status is Status.WITHDRAWN:
        return _withdrawal_command(recipe)
    return _restore_command(recipe, recipe.restored.by if recipe.restored else "unknown")


def _commit(recipe: Recipe, updated: Recipe, deps: FleetDeps) -> RecipeView:
    now = deps.api.clock()
    # Noted before the write: a crash after it is re-sent by the sweep; a note whose write
    # never happened is dropped by the sweep (the recipe's sequence does not match).
    deps.outbox.note(PendingCommand(updated.recipe_id, updated.withdrawal_sequence, now + RESEND_AFTER))
    deps.api.store.record_withdrawal(updated, now)
    stored = replace(updated, revision=recipe.revision + 1)
    refresh(deps.names, stored.tenant_id, stored.name)
    return views.recipe_view(stored)


def withdraw(principal: Principal, recipe_id: str, body: WithdrawRecipe, deps: FleetDeps) -> RecipeView:
    for _ in range(_WRITE_ATTEMPTS):
        recipe = owned(principal, recipe_id, deps.api)
        if recipe.status is Status.WITHDRAWN:
            deps.publisher.publish([_withdrawal_command(recipe)])
            return views.recipe_view(recipe)
        if recipe.status is not Status.DISTRIBUTED or recipe.artifact is None:
            raise Conflict(
                f"the recipe is {recipe.status.value}; only a DISTRIBUTED one can be withdrawn", code="not_distributed"
            )
        now = deps.api.clock()
        updated = replace(
            recipe,
            status=Status.WITHDRAWN,
            withdrawn=Withdrawal(by=principal.subject, at=now, reason=body.reason),
            withdrawal_sequence=recipe.withdrawal_sequence + 1,
            updated_at=now,
        )
        try:
            view = _commit(recipe, updated, deps)
        except StoreConflict:
            continue  # the projection moved the record meanwhile: decide again on the new state
        deps.publisher.publish([_withdrawal_command(updated)])
        return view
    raise Unavailable("the recipe kept changing; try again")


def restore(principal: Principal, recipe_id: str, deps: FleetDeps) -> RecipeView:
    for _ in range(_WRITE_ATTEMPTS):
        recipe = owned(principal, recipe_id, deps.api)
        if recipe.status is Status.DISTRIBUTED:
            if recipe.withdrawal_sequence > 0:  # its last request was a restore: send it again
                deps.publisher.publish([_restore_command(recipe, principal.subject)])
            return views.recipe_view(recipe)
        if recipe.status is not Status.WITHDRAWN:
            raise Conflict(f"the recipe is {recipe.status.value}, not WITHDRAWN", code="not_withdrawn")
        now = deps.api.clock()
        updated = replace(
            recipe,
            status=Status.DISTRIBUTED,
            withdrawn=None,
            restored=Restoration(by=principal.subject, at=now),
            withdrawal_sequence=recipe.withdrawal_sequence + 1,
            updated_at=now,
        )
        try:
            view = _commit(recipe, updated, deps)
        except StoreConflict:
            continue
        deps.publisher.publish([_restore_command(updated, principal.subject)])
        return view
    raise Unavailable("the recipe kept changing; try again")
