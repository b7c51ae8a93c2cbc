"""The merger's message handlers: record, decide, act.

``coordinate`` records what arrived (a plan or a chunk result) in the ledger, then asks
:func:`chalicelib.ledger.next_step` what to do: wait, merge under a lease, retry later
because someone else holds the lease, or re-emit the recorded outcome.
"""

from __future__ import annotations

import math
import time

from chalicelib import merging
from chalicelib.deps import Deps
from chalicelib.ledger import Job, Step, next_step, with_lease
from chalicelib.ledger_store import ChunkCountConflict
from circulion import metrics
from circulion.contracts.envelope import Envelope
from circulion.contracts.events import ChunkProcessed, ChunkProcessedPayload, RecipeMerged, RecipeSplit
from circulion.errors import PermanentError, RetryLater, TransientError, UnexpectedEventType

_CAS_ATTEMPTS = 5


class InvalidChunk(PermanentError):
    """A chunk result contradicts itself or the recorded plan."""

    code = "invalid_chunk"


class LeaseHeld(RetryLater):
    """Another invocation is merging this recipe: routine contention, not a fault.

    What this record carried is already in the ledger; it comes back when the lease would
    expire, to take over if the holder died, and is dropped quietly once its receives run
    out (the holder, or the sweeper, finishes the job).
    """

    code = "lease_held"


def coordinate(message: Envelope, deps: Deps) -> list[Envelope]:
    """Record a plan or a chunk result; merge when the recipe becomes complete."""
    now = deps.clock()
    recorded: Job | None = None
    in_hand: list[ChunkProcessedPayload] | None = None
    if isinstance(message, RecipeSplit):
        recorded = deps.ledger.record_plan(
            message.recipe_id, message.tenant_id, message.trace_header, message.payload, now
        )
    elif not isinstance(message, ChunkProcessed):
        raise UnexpectedEventType(f"the merger does not handle {message.type!r}")
    else:
        _check_chunk(message)
        try:
            fresh = deps.ledger.record_chunk(
                message.recipe_id, message.tenant_id, message.trace_header, message.payload, now
            )
        except ChunkCountConflict as exc:
            raise InvalidChunk(f"chunk says {message.payload.total_chunks} chunks, the plan has {exc.total}") from exc
        if fresh and message.payload.total_chunks == 1:
            # This invocation recorded the only chunk: the ledger holds exactly this payload.
            in_hand = [message.payload]
    deps.checkpoint("recorded")
    return advance(message, deps, recorded, in_hand)


def advance(
    message: RecipeSplit | ChunkProcessed,
    deps: Deps,
    known: Job | None = None,
    chunks: list[ChunkProcessedPayload] | None = None,
) -> list[Envelope]:
    """Act on the job's state: the decision is pure, the lease a compare-and-set.

    ``known`` is the job as the recording write returned it (no read needed for the first
    decision); a stale one only costs a failed compare-and-set and a fresh read. ``chunks``
    are the job's recorded chunk results when the caller holds them all (else they are read).
    """
    owner = deps.new_owner()
    for _ in range(_CAS_ATTEMPTS):
        now = deps.clock()
        job = known if known is not None else deps.ledger.get(message.recipe_id)
        known = None
        step = next_step(job, now)
        if step is Step.WAIT or job is None:
            return []
        if step is Step.REPORT:
            return merging.recorded_outcome(job, message)
        if step is Step.BUSY:
            raise LeaseHeld(
                f"{job.recipe_id} is being merged by {job.lease_owner} until {job.lease_expires_at}",
                delay_seconds=_until_expiry(job.lease_expires_at, now, deps.settings.lease_seconds),
                abandon_when_exhausted=True,
            )
        leased = deps.ledger.replace(job, with_lease(job, owner, now, deps.settings.lease_seconds))
        if leased is None:
            continue  # the job changed under us: decide again on its new state
        deps.checkpoint("lease_taken")
        started = time.monotonic()
        events = merging.merge_under_lease(job, leased, owner, message, deps, chunks)
        _emit_merge_metrics(events, time.monotonic() - started)
        return events
    raise TransientError(f"{message.recipe_id}: the ledger job kept changing; retrying later")


def _until_expiry(expires_at: float | None, now: float, lease_seconds: int) -> int:
    """Seconds until a held lease would expire (+1), at least 1 and at most one lease."""
    remaining = (expires_at or now) - now
    return max(1, min(math.ceil(remaining) + 1, lease_seconds))


def _check_chunk(message: ChunkProcessed) -> None:
    """What a chunk result says of itself; its count against the plan's is the ledger write's condition."""
    payload = message.payload
    if payload.chunk.index >= payload.total_chunks or payload.chunk.end < payload.chunk.start:
        raise InvalidChunk(f"chunk {payload.chunk.index} of {payload.total_chunks} is not a valid chunk")


def _emit_merge_metrics(events: list[Envelope], seconds: float) -> None:
    """Merge time and archive bytes of a merge that produced an archive."""
    for event in events:
        if isinstance(event, RecipeMerged):
            metrics.emit_many(
                "merger",
                {
                    "MergeDuration": (round(seconds * 1000, 3), "Milliseconds"),
                    "BytesOut": (event.payload.artifact.size_bytes, "Bytes"),
                },
                rollups=[()],
                kind=event.payload.kind,
            )
