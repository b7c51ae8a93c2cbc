"""What the lease holder does: reject with one report, or build and commit the archive.

Every step is safe to repeat: the report and the archive live under deterministic keys
and are rebuilt byte for byte from the ledger, and the ledger commit is conditional on
still holding the lease. A crash anywhere leaves the message undeleted; its redelivery
(or the sweeper) takes over once the lease expires.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from pydantic import TypeAdapter, ValidationError

from chalicelib.archive import ArchiveFacts, InconsistentChunks, artifact_key, build_layout
from chalicelib.assembly import adopt_written, write_archive
from chalicelib.deps import Deps
from chalicelib.heartbeat import LeaseHeartbeat
from chalicelib.ledger import Job, JobState, finished, released
from chalicelib.rejection import (
    cross_chunk_issues,
    has_chunk_issues,
    merged_issues,
    rejection,
    report_document,
    reported_issue_count,
)
from circulion import log
from circulion.adapters.object_store import get_json, put_json
from circulion.contracts.envelope import Envelope, Payload
from circulion.contracts.events import (
    ANY_MESSAGE,
    ArtifactRef,
    ChunkProcessed,
    ChunkProcessedPayload,
    ObjectRef,
    RecipeFailed,
    RecipeFailedPayload,
    RecipeMerged,
    RecipeMergedPayload,
    RecipeMergeStarted,
    RecipeMergeStartedPayload,
    RecipeRejected,
    RecipeSplit,
    ValidationIssue,
)
from circulion.errors import TransientError

_log = logging.getLogger(__name__)
_ISSUES: TypeAdapter[list[ValidationIssue]] = TypeAdapter(list[ValidationIssue])


class LeaseLost(TransientError):
    """The lease expired and another invocation took over before our commit."""

    code = "lease_lost"


def recorded_outcome(job: Job, message: Envelope) -> list[Envelope]:
    """The terminal event recorded in the job, re-emitted (publishing is at-least-once)."""
    if job.outcome is None:
        return []
    outcome = json.loads(job.outcome)
    event = ANY_MESSAGE.validate_python(
        {
            "type": outcome["type"],
            "payload": outcome["payload"],
            "recipe_id": job.recipe_id,
            "tenant_id": job.tenant_id,
            "trace_header": message.trace_header or job.trace_header,
        }
    )
    return [event]


def merge_under_lease(
    before: Job,
    leased: Job,
    owner: str,
    message: RecipeSplit | ChunkProcessed,
    deps: Deps,
    chunks: list[ChunkProcessedPayload] | None = None,
) -> list[Envelope]:
    """Finish the job we hold the lease on; on a handled failure the lease is released.

    ``chunks``: every recorded chunk result, when the caller holds them (else read from the ledger).
    """
    s = deps.settings
    heartbeat = LeaseHeartbeat(
        deps.ledger,
        leased,
        owner,
        lease_seconds=s.lease_seconds,
        every_seconds=min(s.lease_renew_every_seconds, s.lease_seconds / 3),
        clock=deps.clock,
    )
    try:
        with heartbeat:
            return _finish(before, leased, owner, message, deps, chunks)
    except Exception:
        # Let the retry take over now rather than after the lease expires. A crash (the
        # process dies) skips this, and then expiry is what frees the job.
        deps.ledger.replace(leased, released(leased, deps.clock()), lease_owner=owner)
        raise


def _finish(
    before: Job, leased: Job, owner: str, message: Envelope, deps: Deps, known: list[ChunkProcessedPayload] | None
) -> list[Envelope]:
    assert leased.plan is not None and leased.merge_started_at is not None
    chunks = known if known is not None else deps.ledger.chunks(leased.recipe_id)
    cross = cross_chunk_issues(chunks, leased.plan.kind)
    if cross or has_chunk_issues(chunks):
        return _reject(leased, owner, chunks, cross, message, deps)
    facts = ArchiveFacts(
        recipe_id=leased.recipe_id,
        tenant_id=leased.tenant_id,
        plan=leased.plan,
        pipeline_version=deps.settings.pipeline_version,
        first_seen_at=datetime.fromtimestamp(leased.first_seen_at, UTC),
        merge_started_at=datetime.fromtimestamp(leased.merge_started_at, UTC),
    )
    try:
        layout = build_layout(facts, chunks)
    except InconsistentChunks as exc:
        failed = RecipeFailedPayload(stage="merge", reason="inconsistent_chunks", message=str(exc))
        return _commit(leased, owner, JobState.FAILED, message.follow(RecipeFailed, failed), deps)
    if before.state is JobState.COLLECTING:
        # The first lease on this job: tell the status projection the merge has begun.
        deps.publisher.publish(
            [message.follow(RecipeMergeStarted, RecipeMergeStartedPayload(total_chunks=len(chunks)))]
        )
    bucket = deps.settings.resources.artifacts_bucket
    key = artifact_key(leased.tenant_id, leased.plan, leased.recipe_id)
    # A previous holder may have completed the archive and died before its commit.
    written = adopt_written(deps.objects, layout, bucket, key) if before.state is JobState.MERGING else None
    if written is None:
        written = write_archive(
            deps.objects, layout, bucket, key, min_part=deps.settings.min_part_bytes, checkpoint=deps.checkpoint
        )
    else:
        _log.info("archive of a crashed merge adopted", extra=log.fields(key=key, version_id=written.version_id))
    deps.checkpoint("archive_written")
    merged = message.follow(
        RecipeMerged,
        RecipeMergedPayload(
            recipe=leased.plan.recipe,
            kind=leased.plan.kind,
            artifact=ArtifactRef(
                bucket=written.bucket,
                key=written.key,
                size_bytes=written.size,
                sha256=written.sha256,
                version_id=written.version_id,
            ),
            record_count=sum(c.record_count for c in chunks),
            total_chunks=len(chunks),
        ),
    )
    events = _commit(leased, owner, JobState.MERGED, merged, deps)
    _log.info(
        "archive committed",
        extra=log.fields(key=written.key, size=written.size, parts=written.parts, copied_parts=written.copied_parts),
    )
    for chunk in chunks:
        deps.objects.delete(chunk.segment.bucket, chunk.segment.key)
    deps.checkpoint("segments_deleted")
    return events


def _reject(
    leased: Job,
    owner: str,
    chunks: list[ChunkProcessedPayload],
    cross: list[ValidationIssue],
    message: Envelope,
    deps: Deps,
) -> list[Envelope]:
    overflow = {c.chunk.index: _chunk_report(c, deps) for c in chunks if c.issues_report is not None}
    issues = merged_issues(chunks, overflow, cross)
    count = reported_issue_count(chunks, cross)
    bucket = deps.settings.resources.work_bucket
    key = f"reports/{leased.recipe_id}/issues.json"
    version = put_json(deps.objects, bucket, key, report_document(leased.recipe_id, issues, count))
    deps.checkpoint("report_written")
    payload = rejection(issues, count, ObjectRef(bucket=bucket, key=key, version_id=version))
    return _commit(leased, owner, JobState.REJECTED, message.follow(RecipeRejected, payload), deps)


def _chunk_report(chunk: ChunkProcessedPayload, deps: Deps) -> list[ValidationIssue]:
    """A worker's full issue list; its format is a list, or an object with ``issues``."""
    ref = chunk.issues_report
    assert ref is not None
    document = get_json(deps.objects, ref.bucket, ref.key)
    raw = document.get("issues", []) if isinstance(document, dict) else document
    try:
        return _ISSUES.validate_python(raw)
    except ValidationError:
        _log.warning("unreadable chunk issue report; using the inline issues", extra=log.fields(key=ref.key))
        return list(chunk.issues)


def _commit(leased: Job, owner: str, state: JobState, event: Envelope, deps: Deps) -> list[Envelope]:
    outcome = json.dumps({"type": event.type, "payload": _payload_json(event.payload)}, sort_keys=True)
    stored = deps.ledger.replace(leased, finished(leased, state, outcome, deps.clock()), lease_owner=owner)
    if stored is None:
        raise LeaseLost(f"{leased.recipe_id}: lease lost before the {state.value} commit")
    deps.checkpoint("committed")
    return [event]


def _payload_json(payload: Payload) -> object:
    return json.loads(payload.model_dump_json())
