"""The ledger's domain: a recipe's job, and every decision taken about it (pure).

A job collects chunk results until its plan is known and ``done == total``; then exactly
one invocation takes the lease and moves it to ``MERGING``; the outcome (``MERGED`` or
``REJECTED``, or ``FAILED`` when the sweeper gives up) is terminal and is re-emitted on
every later delivery. The store (:mod:`chalicelib.ledger_store`) only does I/O: every
change it makes to a job is a compare-and-set on what these functions decided.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from circulion.contracts.events import RecipeSplitPayload


class JobState(StrEnum):
    COLLECTING = "COLLECTING"
    MERGING = "MERGING"
    MERGED = "MERGED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"


TERMINAL = frozenset({JobState.MERGED, JobState.REJECTED, JobState.FAILED})


@dataclass(frozen=True)
class Job:
    """One recipe's ledger entry. Times are epoch seconds."""

    recipe_id: str
    tenant_id: str
    state: JobState
    version: int
    done: int
    first_seen_at: float
    progress_at: float
    total: int | None = None
    plan: RecipeSplitPayload | None = None
    trace_header: str | None = None
    lease_owner: str | None = None
    lease_expires_at: float | None = None
    merge_started_at: float | None = None
    outcome: str | None = None
    """The terminal event's payload as JSON, re-emitted on redelivery."""
    redrives: int = 0

    @property
    def complete(self) -> bool:
        """Every chunk of a known plan is recorded."""
        return self.total is not None and self.plan is not None and self.done >= self.total


class Step(StrEnum):
    WAIT = "wait"
    """Chunks (or the plan) still missing: nothing to do."""
    MERGE = "merge"
    """Complete and nobody holds a live lease: take it and merge."""
    BUSY = "busy"
    """Another invocation holds a live lease: retry later."""
    REPORT = "report"
    """Terminal: re-emit the outcome."""


def next_step(job: Job | None, now: float) -> Step:
    """What an invocation that just recorded something should do with the job."""
    if job is None or (job.state is JobState.COLLECTING and not job.complete):
        return Step.WAIT
    if job.state in TERMINAL:
        return Step.REPORT
    if job.state is JobState.MERGING and job.lease_expires_at is not None and job.lease_expires_at > now:
        return Step.BUSY
    return Step.MERGE


def with_lease(job: Job, owner: str, now: float, lease_seconds: float) -> Job:
    """The job leased to ``owner``; the first lease fixes ``merge_started_at`` for good."""
    return dataclasses.replace(
        job,
        state=JobState.MERGING,
        lease_owner=owner,
        lease_expires_at=now + lease_seconds,
        merge_started_at=job.merge_started_at if job.merge_started_at is not None else now,
    )


def released(job: Job, now: float) -> Job:
    """The lease given up after a handled failure, so a retry need not wait for expiry."""
    return dataclasses.replace(job, lease_expires_at=min(job.lease_expires_at or now, now))


def finished(job: Job, state: JobState, outcome: str, now: float) -> Job:
    """The terminal job with its outcome; the lease is cleared."""
    return dataclasses.replace(
        job, state=state, outcome=outcome, lease_owner=None, lease_expires_at=None, progress_at=now
    )


# --- the sweeper -----------------------------------------------------------------------


@dataclass(frozen=True)
class SweepPolicy:
    stall_after: float
    """A complete job still COLLECTING this long after its last progress lost its driver."""
    missing_after: float
    """Chunks still missing this long after the last progress are re-enqueued."""
    max_redrives: int


class Sweep(StrEnum):
    NOTHING = "nothing"
    REDRIVE = "redrive"
    """Send the plan to the merger's own queue so an invocation (re)runs the merge."""
    REENQUEUE = "reenqueue"
    """Send the missing chunks' tasks to the work queue again."""
    GIVE_UP = "give_up"
    """Fail the recipe: re-driving did not help."""


def sweep_step(job: Job, now: float, policy: SweepPolicy) -> Sweep:  # noqa: PLR0911 - one return per rule
    """What the scheduled sweeper does with one job."""
    if job.state in TERMINAL:
        return Sweep.NOTHING
    idle = now - job.progress_at
    if job.state is JobState.MERGING:
        # A live holder renews its lease (heartbeat): an expired one means the holder died,
        # so the merge is re-driven at once rather than after ``stall_after``.
        if job.lease_expires_at is not None and job.lease_expires_at > now:
            return Sweep.NOTHING
        return Sweep.REDRIVE if job.redrives < policy.max_redrives else Sweep.GIVE_UP
    if job.complete:
        if idle < policy.stall_after:
            return Sweep.NOTHING
        return Sweep.REDRIVE if job.redrives < policy.max_redrives else Sweep.GIVE_UP
    if job.plan is None:
        # Without the plan nobody knows which chunks exist; wait for recipe.split, then give up.
        return Sweep.GIVE_UP if idle >= policy.missing_after * (policy.max_redrives + 1) else Sweep.NOTHING
    if idle < policy.missing_after:
        return Sweep.NOTHING
    return Sweep.REENQUEUE if job.redrives < policy.max_redrives else Sweep.GIVE_UP


def redriven(job: Job, now: float) -> Job:
    """The job after the sweeper re-drove it: counted, and its idle clock restarted."""
    return dataclasses.replace(job, redrives=job.redrives + 1, progress_at=now)


def missing_chunks(total: int, recorded: set[int]) -> list[int]:
    """Chunk indices of the plan that have no marker yet."""
    return [i for i in range(total) if i not in recorded]
