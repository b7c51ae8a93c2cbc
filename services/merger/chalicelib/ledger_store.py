"""The merger's ledger behind a port: jobs and per-chunk results, and the table's key layout.

Items (table ``circulion-ledger``, keys ``pk``/``sk``):

* ``pk=recipe#{id}, sk=job``: the :class:`~chalicelib.ledger.Job`;
* ``pk=recipe#{id}, sk=chunk#{index:06d}``: that chunk's ``chunk.processed`` payload.

:class:`~chalicelib.dynamo_ledger_store.DynamoLedgerStore` implements it on DynamoDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from chalicelib.ledger import Job
from circulion.contracts.events import ChunkProcessedPayload, RecipeSplitPayload
from circulion.errors import PermanentError

JOB_SK = "job"
CHUNK_PREFIX = "chunk#"


class PlanConflict(PermanentError):
    """A second plan for the recipe disagrees with the first on the chunk count."""

    code = "plan_conflict"


class ChunkCountConflict(PermanentError):
    """A chunk result's chunk count disagrees with the recorded plan's; nothing was recorded."""

    code = "chunk_count_conflict"

    def __init__(self, recipe_id: str, total: int | None) -> None:
        super().__init__(f"{recipe_id}: the recorded plan has {total} chunks")
        self.total = total


def job_key(recipe_id: str) -> str:
    return f"recipe#{recipe_id}"


def chunk_sk(index: int) -> str:
    return f"{CHUNK_PREFIX}{index:06d}"


class LedgerStore(Protocol):
    """Port: the merger's ledger."""

    def record_chunk(
        self, recipe_id: str, tenant_id: str, trace_header: str | None, result: ChunkProcessedPayload, now: float
    ) -> bool:
        """Record a chunk's result; ``False`` when it was already recorded (nothing changed).

        :class:`ChunkCountConflict` (nothing recorded) when a plan with another chunk count
        is recorded: the check is part of the write, so it needs no read before it.
        """

    def record_plan(
        self, recipe_id: str, tenant_id: str, trace_header: str | None, plan: RecipeSplitPayload, now: float
    ) -> Job | None:
        """Record the plan (idempotent); :class:`PlanConflict` if it disagrees with the one recorded.

        Returns the job as the write left it (or as it was, for a duplicate plan), so the
        caller needs no read after it; ``None`` when the store cannot say (then read it).
        """

    def get(self, recipe_id: str) -> Job | None:
        """The job, read consistently; ``None`` before anything was recorded."""

    def chunks(self, recipe_id: str) -> list[ChunkProcessedPayload]:
        """Every recorded chunk result, by index."""

    def replace(self, old: Job, new: Job, *, lease_owner: str | None = None) -> Job | None:
        """Write ``new``'s mutable fields if the job is still ``old`` (same version), or, with
        ``lease_owner``, if that owner still holds the lease. The stored job, or ``None``."""

    def open_jobs(self) -> Iterator[Job]:
        """Every job not in a terminal state (for the sweeper)."""
