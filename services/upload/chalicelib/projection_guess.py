"""One lifecycle event as one conditional write, without reading the record first.

Reading the record before every write doubled the projection's requests. Instead, an event
is written as the :class:`~chalicelib.projection.Change` it makes to a record in the state
it usually finds (``recipe.split`` and ``chunk.processed``: already at their target,
``PROCESSING``; every other event: behind its target), under a condition that holds for
exactly the records on which :func:`~chalicelib.projection.project` writes the same item:

* the record is in one of :attr:`Guess.statuses` (never a final one, never ``FAILED``:
  a redrive's ``occurred_at`` rule is left to the exact path);
* values the rules write only when they are new (``chunks_total``, the stage's milestone)
  are written unconditionally when they change nothing, as long as the write is due
  anyway; when they are all the change there is, :attr:`Guess.only_if_new` makes the
  condition require one of them to be new, so a duplicate writes nothing.

When the condition fails the store gets the record back from the failed write and applies
:func:`~chalicelib.projection.project` exactly (:mod:`chalicelib.projection_store`). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.projection import Change, State, is_final, project, target_of
from chalicelib.recipe import PROGRESS_ORDER, Status, rank
from chalicelib.version_claims import RELEASING
from circulion.contracts import Envelope

USUALLY_AT_TARGET = frozenset({"recipe.split", "chunk.processed"})
"""Events whose target (``PROCESSING``) ``recipe.validated`` has usually set already: the
splitter publishes them only after it received the validated recipe."""

OPEN: tuple[Status, ...] = tuple(s for s in PROGRESS_ORDER if not is_final(s))
"""Statuses a lifecycle event may still change (``FAILED`` aside)."""


@dataclass(frozen=True)
class Guess:
    """The write an event makes to the records it usually finds."""

    change: Change
    """What to write; its milestone is set only if the record has none of that name."""
    statuses: frozenset[Status]
    """The record's status must be one of these."""
    only_if_new: bool
    """The change is only ``chunks_total`` and/or the milestone: due only if one is new."""


def guess(event: Envelope) -> Guess | None:
    """The single conditional write for ``event``; ``None`` when there is none: the event
    changes no record (:func:`~chalicelib.projection.affects_record`), or its change must
    release the version in one transaction with the record (``REJECTED``: read first)."""
    target = target_of(event.type)
    if target is None or target in RELEASING:
        return None
    if event.type in USUALLY_AT_TARGET:
        statuses = frozenset(s for s in OPEN if rank(s) >= rank(target))
        assumed = target
    else:
        statuses = frozenset(s for s in OPEN if target is Status.FAILED or rank(s) < rank(target))
        assumed = OPEN[0]
    # A record with nothing recorded yet: every value the event carries is in the change.
    change = project(State(assumed), event)
    if change is None or not statuses:
        return None
    return Guess(change, statuses, only_if_new=_only_new_values(change))


def _only_new_values(change: Change) -> bool:
    written_anyway = (
        change.status is not None
        or change.chunk_index is not None
        or bool(change.errors)
        or change.artifact is not None
        or change.distributed_at is not None
    )
    return not written_anyway
