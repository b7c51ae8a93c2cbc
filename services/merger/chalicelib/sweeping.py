"""The scheduled sweeper: re-drive jobs that stalled (I/O around :func:`ledger.sweep_step`).

* a complete job nobody merged, or a merge whose lease expired: the plan is sent to the
  merger's own queue, and the invocation that receives it merges (taking the lease over);
* chunks missing for too long: their ``chunk.process`` tasks are enqueued again (the plan
  knows the source and the chunk size; workers are idempotent on the chunk index);
* after ``max_redrives`` attempts: the recipe is failed, visibly, instead of stalling.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import TypeVar

from chalicelib.deps import Deps
from chalicelib.ledger import Job, JobState, Sweep, SweepPolicy, finished, missing_chunks, redriven, sweep_step
from circulion import log
from circulion.contracts.envelope import Envelope
from circulion.contracts.events import (
    ChunkSpan,
    ProcessChunk,
    ProcessChunkPayload,
    RecipeFailed,
    RecipeFailedPayload,
    RecipeSplit,
    RecipeSplitPayload,
)

_log = logging.getLogger(__name__)

E = TypeVar("E", bound=Envelope)


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did, by action."""

    actions: dict[str, int]


def sweep(deps: Deps) -> SweepReport:
    """Look at every open job once and re-drive the stuck ones."""
    s = deps.settings
    policy = SweepPolicy(s.stall_after_seconds, s.missing_chunk_after_seconds, s.max_redrives)
    counts: Counter[str] = Counter()
    for job in deps.ledger.open_jobs():
        now = deps.clock()
        action = sweep_step(job, now, policy)
        if action is Sweep.NOTHING:
            continue
        with log.bound(recipe_id=job.recipe_id, tenant_id=job.tenant_id):
            if _act(job, action, now, deps):
                counts[action.value] += 1
                _log.info("stalled job re-driven", extra=log.fields(action=action.value, redrives=job.redrives + 1))
    return SweepReport(dict(counts))


def _act(job: Job, action: Sweep, now: float, deps: Deps) -> bool:
    if action is Sweep.GIVE_UP:
        failed = _envelope(
            job,
            RecipeFailed,
            RecipeFailedPayload(
                stage="merge",
                reason=_give_up_reason(job),
                message=(f"gave up after {job.redrives} re-drives: {job.done} of {job.total or '?'} chunks recorded"),
            ),
        )
        outcome = failed.model_dump_json(include={"type", "payload"})
        if deps.ledger.replace(job, finished(job, JobState.FAILED, outcome, now)) is None:
            return False  # it moved on its own meanwhile
        deps.publisher.publish([failed])
        return True
    # Claim the re-drive first: if two sweeps overlap, only one sends.
    if deps.ledger.replace(job, redriven(job, now)) is None:
        return False
    assert job.plan is not None
    if action is Sweep.REDRIVE:
        deps.merger_queue.send([_envelope(job, RecipeSplit, job.plan)])
    else:
        recorded = {c.chunk.index for c in deps.ledger.chunks(job.recipe_id)}
        indices = missing_chunks(job.plan.total_chunks, recorded)
        deps.publisher.publish([_task(job, job.plan, i) for i in indices])
    return True


def _give_up_reason(job: Job) -> str:
    if job.state is JobState.MERGING or job.complete:
        return "merge_stalled"
    return "plan_missing" if job.plan is None else "chunks_missing"


def _envelope(job: Job, cls: type[E], payload: object) -> E:
    envelope: E = cls.model_validate(
        {"recipe_id": job.recipe_id, "tenant_id": job.tenant_id, "trace_header": job.trace_header, "payload": payload}
    )
    return envelope


def _task(job: Job, plan: RecipeSplitPayload, index: int) -> ProcessChunk:
    # Chunks are fixed-size byte ranges of the source (the last one shorter), so the span
    # of a missing chunk follows from the plan's chunk size.
    start = index * plan.chunk_size
    end = plan.recipe.size_bytes if index == plan.total_chunks - 1 else start + plan.chunk_size
    payload = ProcessChunkPayload(
        recipe=plan.recipe,
        kind=plan.kind,
        source=plan.source,
        chunk=ChunkSpan(index=index, start=start, end=end),
        total_chunks=plan.total_chunks,
    )
    return _envelope(job, ProcessChunk, payload)
