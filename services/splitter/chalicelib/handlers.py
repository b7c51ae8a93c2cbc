"""One function per message: parse is done, I/O goes through ``deps``."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence

from chalicelib import planning, worker
from chalicelib.deps import SERVICE, Deps
from chalicelib.worker import ChunkResult
from circulion import log, metrics, tracing
from circulion.contracts.envelope import Envelope
from circulion.contracts.events import (
    ChunkProcessed,
    ChunkProcessedPayload,
    ObjectRef,
    ProcessChunk,
    ProcessChunkPayload,
    RecipeValidated,
)

_log = logging.getLogger(__name__)


def split(message: RecipeValidated, deps: Deps) -> Sequence[Envelope]:
    """Plan the recipe and fan its chunk tasks out, once per recipe.

    The handler publishes itself instead of returning the messages: the plan may only be
    marked ``enqueued`` after every task was sent, and the batch processor publishes
    after the handler returns.
    """
    s = deps.settings
    p = message.payload
    plan = planning.plan_chunks(
        p.recipe.size_bytes,
        p.kind,
        chunk_size=s.chunk_size_bytes,
        direct_threshold=s.direct_threshold_bytes,
        max_document_bytes=s.max_document_bytes,
    )
    claim = deps.plans.claim(message.recipe_id, plan, deps.clock())
    if not claim.fan_out:
        _log.info("recipe already split; nothing sent", extra=log.fields(total_chunks=claim.plan.total_chunks))
        return []
    tasks = planning.chunk_tasks(message, claim.plan)
    split_event = planning.recipe_split(message, claim.plan, deps.plans.ref(message.recipe_id))
    deps.publisher.publish([*tasks, split_event])
    deps.plans.mark_enqueued(message.recipe_id, claim.plan, deps.clock())
    _log.info("recipe split", extra=log.fields(total_chunks=claim.plan.total_chunks, chunk_size=claim.plan.chunk_size))
    return []


def segment_key(recipe_id: str, index: int) -> str:
    return f"segments/{recipe_id}/{index:06d}.deflate"


def report_key(recipe_id: str, index: int) -> str:
    return f"reports/{recipe_id}/chunk-{index:06d}.json"


def process_chunk(message: ProcessChunk, deps: Deps) -> Sequence[Envelope]:
    """Hash, compress and validate one chunk; write its segment; report ``chunk.processed``.

    Deterministic keys make a rerun overwrite its own output, never duplicate it.
    """
    p = message.payload
    source = p.source
    started = time.monotonic()

    def read(start: int, end: int) -> bytes:
        return deps.objects.get_range(source.bucket, source.key, start, end, source.version_id)

    with tracing.subspan("process", chunk_index=p.chunk.index):
        result = worker.process(read, p, deps.settings)
    bucket = deps.settings.resources.work_bucket
    key = segment_key(message.recipe_id, p.chunk.index)
    version = deps.objects.put_bytes(bucket, key, result.segment.data)
    report = _write_report(message.recipe_id, p, result, deps) if result.issues.overflows else None
    _log.info(
        "chunk processed",
        extra=log.fields(
            chunk_index=p.chunk.index,
            bytes=result.segment.length,
            segment_bytes=len(result.segment.data),
            records=result.record_count,
            issues=result.issues.count,
        ),
    )
    metrics.emit_many(
        SERVICE,
        {
            "BytesProcessed": (result.segment.length, "Bytes"),
            "ChunksProcessed": (1, "Count"),
            "ChunkDuration": (round((time.monotonic() - started) * 1000, 3), "Milliseconds"),
        },
        rollups=[()],
        kind=p.kind,
    )
    return [
        message.follow(
            ChunkProcessed,
            ChunkProcessedPayload(
                chunk=p.chunk,
                total_chunks=p.total_chunks,
                sha256=result.segment.sha256,
                crc32=result.segment.crc32,
                segment=ObjectRef(bucket=bucket, key=key, version_id=version),
                segment_size=len(result.segment.data),
                record_count=result.record_count,
                step_ids=result.step_ids,
                issues=result.issues.inline,
                issue_count=result.issues.count,
                issues_report=report,
                newline_count=result.segment.newline_count,
            ),
        )
    ]


def _write_report(recipe_id: str, task: ProcessChunkPayload, result: ChunkResult, deps: Deps) -> ObjectRef:
    bucket = deps.settings.resources.work_bucket
    key = report_key(recipe_id, task.chunk.index)
    document = {
        "chunk": task.chunk.model_dump(),
        "issue_count": result.issues.count,
        "issues": [issue.model_dump(exclude_none=True) for issue in result.issues.kept],
    }
    data = json.dumps(document, separators=(",", ":")).encode()
    version = deps.objects.put_bytes(bucket, key, data, content_type="application/json")
    return ObjectRef(bucket=bucket, key=key, version_id=version)
