"""In-memory fakes of the merger's own ports, with the same conditional semantics."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

from chalicelib.ledger import TERMINAL, Job, JobState
from chalicelib.ledger_store import ChunkCountConflict, LedgerStore, PlanConflict
from circulion.contracts.events import ChunkProcessedPayload, RecipeSplitPayload


class InMemoryLedgerStore(LedgerStore):
    """:class:`LedgerStore` in dicts; each method is atomic, like one DynamoDB request."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.markers: dict[tuple[str, int], ChunkProcessedPayload] = {}
        self._lock = threading.Lock()

    def _touched(self, recipe_id: str, tenant_id: str, trace_header: str | None, now: float) -> Job:
        job = self.jobs.get(recipe_id)
        if job is None:
            return Job(recipe_id, tenant_id, JobState.COLLECTING, 0, 0, now, now, trace_header=trace_header)
        return dataclasses.replace(job, progress_at=now, trace_header=job.trace_header or trace_header)

    def record_chunk(
        self, recipe_id: str, tenant_id: str, trace_header: str | None, result: ChunkProcessedPayload, now: float
    ) -> bool:
        with self._lock:
            recorded = self.jobs.get(recipe_id)
            if recorded is not None and recorded.total is not None and recorded.total != result.total_chunks:
                raise ChunkCountConflict(recipe_id, recorded.total)
            if (recipe_id, result.chunk.index) in self.markers:
                return False
            self.markers[(recipe_id, result.chunk.index)] = result
            job = self._touched(recipe_id, tenant_id, trace_header, now)
            self.jobs[recipe_id] = dataclasses.replace(job, done=job.done + 1, version=job.version + 1)
            return True

    def record_plan(
        self, recipe_id: str, tenant_id: str, trace_header: str | None, plan: RecipeSplitPayload, now: float
    ) -> None:
        with self._lock:
            existing = self.jobs.get(recipe_id)
            if existing is not None and existing.total is not None:
                if existing.total != plan.total_chunks:
                    raise PlanConflict(f"{recipe_id}: plan of {plan.total_chunks}, ledger has {existing.total}")
                return
            job = self._touched(recipe_id, tenant_id, trace_header, now)
            self.jobs[recipe_id] = dataclasses.replace(job, total=plan.total_chunks, plan=plan, version=job.version + 1)

    def get(self, recipe_id: str) -> Job | None:
        return self.jobs.get(recipe_id)

    def chunks(self, recipe_id: str) -> list[ChunkProcessedPayload]:
        found = [r for (rid, _), r in self.markers.items() if rid == recipe_id]
        return sorted(found, key=lambda r: r.chunk.index)

    def replace(self, old: Job, new: Job, *, lease_owner: str | None = None) -> Job | None:
        with self._lock:
            current = self.jobs.get(old.recipe_id)
            if current is None:
                return None
            if lease_owner is None:
                if current.version != old.version:
                    return None
            elif current.lease_owner != lease_owner or current.state is not JobState.MERGING:
                return None
            stored = dataclasses.replace(
                current,
                state=new.state,
                lease_owner=new.lease_owner,
                lease_expires_at=new.lease_expires_at,
                merge_started_at=new.merge_started_at,
                outcome=new.outcome,
                redrives=new.redrives,
                progress_at=new.progress_at,
                version=current.version + 1,
            )
            self.jobs[old.recipe_id] = stored
            return stored

    def open_jobs(self) -> Iterator[Job]:
        return iter([j for j in self.jobs.values() if j.state not in TERMINAL])
