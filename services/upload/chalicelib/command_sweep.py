"""The scheduled re-send of withdraw/restore commands the distributor has not confirmed."""

from __future__ import annotations

import logging
from dataclasses import replace

from chalicelib.fleet import FleetDeps
from chalicelib.withdrawal import RESEND_AFTER, command_for
from circulion import log

_log = logging.getLogger(__name__)

MAX_PER_SWEEP = 100
MAX_RESENDS = 10
"""A command the distributor never confirms (it dead-letters it) is not re-sent forever."""


def resend_due(deps: FleetDeps) -> int:
    """Re-send every command still unconfirmed after its grace period; return how many."""
    now = deps.api.clock()
    sent = 0
    for pending in deps.outbox.due(now, MAX_PER_SWEEP):
        recipe = deps.api.store.get(pending.recipe_id)
        if recipe is None or recipe.withdrawal_sequence != pending.sequence:
            # The request's write never happened (the note came first), or a newer request
            # replaced the note already: nothing of this sequence to send.
            deps.outbox.settle(pending.recipe_id, pending.sequence)
            continue
        if pending.resends >= MAX_RESENDS:
            # The distributor keeps refusing it (its dead-letter queue holds the reason):
            # an operator's redrive or a repeated request takes over from here.
            _log.error(
                "command never confirmed; no more re-sends",
                extra=log.fields(recipe_id=recipe.recipe_id, sequence=pending.sequence, resends=pending.resends),
            )
            deps.outbox.settle(pending.recipe_id, pending.sequence)
            continue
        deps.publisher.publish([command_for(recipe)])
        deps.outbox.note(replace(pending, due_at=now + RESEND_AFTER, resends=pending.resends + 1))
        sent += 1
        _log.warning(
            "unconfirmed command re-sent", extra=log.fields(recipe_id=recipe.recipe_id, sequence=pending.sequence)
        )
    return sent
