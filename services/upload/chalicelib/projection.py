"""The status projection's rules: how one lifecycle event changes a recipe's record.

Pure: :func:`project` maps (current state, event) to a :class:`Change` (or ``None`` when the
event changes nothing). Events arrive out of order and more than once, so:

* status only moves forward along ``AWAITING_UPLOAD → ... → DISTRIBUTED``;
* ``REJECTED``, ``DISTRIBUTED`` and ``ABORTED`` are final;
* ``FAILED`` is final too, except that an operator may redrive a failed message from its
  dead-letter queue: a progress event *emitted after the failure* (``occurred_at`` later
  than the failure's) moves the recipe forward again, while a stale one from before the
  failure does not;
* progress counts are idempotent: ``chunks_done`` is the number of distinct chunk indices
  seen, kept as a set in the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from chalicelib.recipe import Artifact, Recipe, Status, rank
from chalicelib.timings import MILESTONE_OF_EVENT
from circulion.contracts import (
    ChunkProcessed,
    Envelope,
    RecipeDistributed,
    RecipeFailed,
    RecipeMerged,
    RecipeMergeStarted,
    RecipeRejected,
    RecipeSplit,
)

MAX_ERRORS = 50

_TARGET: dict[str, Status] = {
    "recipe.validated": Status.PROCESSING,
    "recipe.split": Status.PROCESSING,
    "chunk.processed": Status.PROCESSING,
    "recipe.merge_started": Status.MERGING,
    "recipe.merged": Status.DISTRIBUTING,
    "recipe.distributed": Status.DISTRIBUTED,
    "recipe.rejected": Status.REJECTED,
    "recipe.failed": Status.FAILED,
}

# WITHDRAWN is an operator's decision: no lifecycle event (a redelivered recipe.distributed
# of the withdrawn version included) may undo it; only a restore request does.
_FINAL = frozenset({Status.REJECTED, Status.DISTRIBUTED, Status.ABORTED, Status.WITHDRAWN})


@dataclass(frozen=True)
class State:
    """What the rules need to know about the current record."""

    status: Status
    failed_at: datetime | None = None
    chunks_total: int | None = None
    milestones: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """What to write. ``None`` fields are left as they are."""

    status: Status | None = None
    failed_at: datetime | None = None
    chunks_total: int | None = None
    chunk_index: int | None = None
    errors: tuple[dict[str, object], ...] = ()
    artifact: Artifact | None = None
    milestone: tuple[str, datetime] | None = None
    distributed_at: datetime | None = None


def affects_record(event_type: str) -> bool:
    """Whether an event of this type can change a recipe's record at all (else: never read it)."""
    return event_type in _TARGET


def target_of(event_type: str) -> Status | None:
    """The status an event of this type moves a recipe towards, if any."""
    return _TARGET.get(event_type)


def is_final(status: Status) -> bool:
    """No lifecycle event changes a record in this status."""
    return status in _FINAL


def next_status(state: State, event_type: str, occurred_at: datetime) -> Status | None:
    """The status after an event, or ``None`` to keep the current one."""
    target = _TARGET.get(event_type)
    if target is None or state.status in _FINAL:
        return None
    if state.status is Status.FAILED:
        redriven = state.failed_at is not None and occurred_at > state.failed_at
        if not redriven or target is Status.FAILED:
            return None
        return target
    if target in (Status.FAILED, Status.REJECTED):
        return target
    return target if rank(target) > rank(state.status) else None


def project(state: State, event: Envelope) -> Change | None:
    """The change one lifecycle event makes to a recipe's record, ``None`` for none."""
    status = next_status(state, event.type, event.occurred_at)
    if state.status in _FINAL:
        return None
    if state.status is Status.FAILED and status is None:
        return None
    change = Change(status=status, **_details(state, event))  # type: ignore[arg-type]
    if status is Status.FAILED:
        change = replace(change, failed_at=event.occurred_at)
    return None if change == Change() else change


def _details(state: State, event: Envelope) -> dict[str, object]:
    """Progress, errors and artifact facts carried by the event (status aside)."""
    details: dict[str, object] = {}
    total = _total_chunks(event)
    if total is not None and state.chunks_total != total:
        details["chunks_total"] = total
    if isinstance(event, ChunkProcessed):
        details["chunk_index"] = event.payload.chunk.index
    milestone = MILESTONE_OF_EVENT.get(event.type)
    if milestone is not None and milestone not in state.milestones:
        details["milestone"] = (milestone, event.occurred_at)
    if isinstance(event, RecipeRejected):
        details["errors"] = tuple(
            {"stage": event.payload.stage, **issue.model_dump(exclude_none=True)}
            for issue in event.payload.issues[:MAX_ERRORS]
        )
    if isinstance(event, RecipeFailed):
        details["errors"] = (
            {"stage": event.payload.stage, "code": event.payload.reason, "message": event.payload.message},
        )
    if isinstance(event, RecipeMerged):
        a = event.payload.artifact
        details["artifact"] = Artifact(a.bucket, a.key, a.size_bytes, a.sha256)
    if isinstance(event, RecipeDistributed):
        a = event.payload.artifact
        details["artifact"] = Artifact(a.bucket, a.key, a.size_bytes, a.sha256, event.payload.download_path)
        details["distributed_at"] = event.occurred_at
    return details


def _total_chunks(event: Envelope) -> int | None:
    if isinstance(event, RecipeSplit | RecipeMergeStarted | RecipeMerged):
        return event.payload.total_chunks
    if isinstance(event, ChunkProcessed):
        return event.payload.total_chunks
    return None


@dataclass(frozen=True)
class Projected:
    """What projecting an event did."""

    before: Recipe
    """The record the change was computed from (as it was just before the write)."""
    change: Change | None
    """What was written; ``None`` when the event changed nothing."""
