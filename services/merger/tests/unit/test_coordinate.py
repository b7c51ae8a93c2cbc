"""The coordinator's flows against the fakes: completion, rejection, leases, the sweeper."""

from __future__ import annotations

import hashlib
import json

import pytest

from chalicelib import handlers, sweeping
from chalicelib.deps import Deps
from chalicelib.handlers import LeaseHeld
from chalicelib.ledger import JobState, with_lease
from circulion.contracts.events import (
    ProcessChunk,
    RecipeFailed,
    RecipeMerged,
    RecipeMergeStarted,
    RecipeRejected,
    RecipeSplit,
    StepIdRange,
    ValidationIssue,
)
from tests.scenario import Captured, Clock, CrashSwitch, Recipe, SimulatedCrash, extracted, make_recipe


def deliver_all(recipe: Recipe, deps: Deps, out: Captured) -> None:
    for message in [*recipe.chunks, recipe.split]:
        out.publish(handlers.coordinate(message, deps))


def test_the_last_arrival_merges_and_the_segments_go(deps: Deps, out: Captured) -> None:
    recipe = make_recipe(deps.objects, b"line\n" * 50, 64)
    deliver_all(recipe, deps, out)
    merged = [m for m in out.messages if isinstance(m, RecipeMerged)]
    assert len(merged) == 1 and len([m for m in out.messages if isinstance(m, RecipeMergeStarted)]) == 1
    artifact = merged[0].payload.artifact
    assert artifact.key == f"artifacts/acme/arm-disassembly/1.0.0/{recipe.recipe_id}.zip"
    assert merged[0].payload.total_chunks == 4 and merged[0].payload.record_count == 50
    assert extracted(deps.objects.get_bytes(artifact.bucket, artifact.key))[1] == recipe.data
    assert list(deps.objects.list_keys("circulion-work", f"segments/{recipe.recipe_id}/")) == []


def test_a_redelivery_after_the_merge_re_emits_the_same_archive(deps: Deps, out: Captured) -> None:
    recipe = make_recipe(deps.objects, b"abc" * 40, 50)
    deliver_all(recipe, deps, out)
    again = handlers.coordinate(recipe.chunk(1), deps)
    assert [type(m) for m in again] == [RecipeMerged]
    first = next(m for m in out.messages if isinstance(m, RecipeMerged))
    assert again[0].payload == first.payload  # type: ignore[attr-defined]


def test_a_live_lease_makes_others_retry_and_an_expired_one_is_taken_over(
    deps: Deps, out: Captured, crash: CrashSwitch, clock: Clock
) -> None:
    recipe = make_recipe(deps.objects, b"xyz" * 40, 50)
    for chunk in recipe.chunks:
        handlers.coordinate(chunk, deps)
    crash.armed = "archive_written"
    with pytest.raises(SimulatedCrash):
        handlers.coordinate(recipe.split, deps)
    with pytest.raises(LeaseHeld):
        handlers.coordinate(recipe.split, deps)
    clock.now += deps.settings.lease_seconds + 1
    result = handlers.coordinate(recipe.split, deps)
    assert [type(m) for m in result] == [RecipeMerged]
    job = deps.ledger.get(recipe.recipe_id)
    assert job is not None and job.state is JobState.MERGED and job.lease_owner is None


def test_issues_and_broken_step_order_reject_with_one_sorted_report(deps: Deps, out: Captured) -> None:
    ranges = {0: StepIdRange(first=1, last=10), 1: None, 2: StepIdRange(first=5, last=20)}
    recipe = make_recipe(deps.objects, b"r" * 30, 10, kind="stream", step_ids=ranges.get)
    bad = ValidationIssue(code="bad_value", message="speed out of range", byte_offset=3, chunk_index=0)
    recipe_chunks = list(recipe.chunks)
    recipe_chunks[0] = recipe_chunks[0].model_copy(
        update={"payload": recipe_chunks[0].payload.model_copy(update={"issues": [bad], "issue_count": 1})}
    )
    for message in [recipe.split, *recipe_chunks]:
        out.publish(handlers.coordinate(message, deps))
    (rejected,) = [m for m in out.messages if isinstance(m, RecipeRejected)]
    assert not [m for m in out.messages if isinstance(m, (RecipeMerged, RecipeMergeStarted))]
    payload = rejected.payload
    assert payload.issue_count == 2 and payload.stage == "validation"
    assert [i.code for i in payload.issues] == ["bad_value", "step_id_not_increasing"]
    assert payload.issues[1].chunk_index == 2 and payload.issues[1].step_id == 5
    assert payload.report is not None
    report = json.loads(deps.objects.get_bytes(payload.report.bucket, payload.report.key))
    assert report["issue_count"] == 2 and len(report["issues"]) == 2
    assert list(deps.objects.list_keys("circulion-artifacts", "")) == []


def test_a_stream_of_several_chunks_without_a_single_step_is_rejected_no_steps(deps: Deps, out: Captured) -> None:
    # A header followed by blank lines: every chunk clean, none with a step (the one-chunk
    # worker says no_steps itself; cut into chunks only the merger sees the whole stream).
    recipe = make_recipe(deps.objects, b"h" * 30, 10, kind="stream", step_ids=lambda _: None)
    deliver_all(recipe, deps, out)
    (rejected,) = [m for m in out.messages if isinstance(m, RecipeRejected)]
    assert not [m for m in out.messages if isinstance(m, (RecipeMerged, RecipeMergeStarted))]
    assert [(i.code, i.chunk_index) for i in rejected.payload.issues] == [("no_steps", 0)]
    assert rejected.payload.issue_count == 1 and rejected.payload.stage == "validation"


def test_the_sweeper_re_enqueues_missing_chunks_then_gives_up(deps: Deps, out: Captured, clock: Clock) -> None:
    recipe = make_recipe(deps.objects, b"q" * 25, 10)
    handlers.coordinate(recipe.split, deps)
    handlers.coordinate(recipe.chunk(1), deps)
    assert sweeping.sweep(deps).actions == {}
    clock.now += deps.settings.missing_chunk_after_seconds + 1
    assert sweeping.sweep(deps).actions == {"reenqueue": 1}
    tasks = [m for m in out.messages if isinstance(m, ProcessChunk)]
    assert [(t.payload.chunk.index, t.payload.chunk.start, t.payload.chunk.end) for t in tasks] == [
        (0, 0, 10),
        (2, 20, 25),
    ]
    assert sweeping.sweep(deps).actions == {}  # its idle clock restarted
    for _ in range(2):
        clock.now += deps.settings.missing_chunk_after_seconds + 1
        sweeping.sweep(deps)
    assert [m.payload.reason for m in out.messages if isinstance(m, RecipeFailed)] == ["chunks_missing"]
    job = deps.ledger.get(recipe.recipe_id)
    assert job is not None and job.state is JobState.FAILED


def test_the_sweeper_re_drives_an_expired_merge_through_the_merger_queue(
    deps: Deps, out: Captured, crash: CrashSwitch, clock: Clock
) -> None:
    recipe = make_recipe(deps.objects, b"m" * 25, 10)
    _crash_then_let_the_lease_expire(recipe, "lease_taken", deps, out, crash, clock)
    assert sweeping.sweep(deps).actions == {"redrive": 1}
    (redrive,) = [m for m in out.messages if isinstance(m, RecipeSplit)]
    assert [type(m) for m in handlers.coordinate(redrive, deps)] == [RecipeMerged]


def test_a_merge_killed_after_completing_the_archive_adopts_it_without_a_second_version(
    deps: Deps, out: Captured, crash: CrashSwitch, clock: Clock
) -> None:
    # Fault class: merger killed between CompleteMultipartUpload and its ledger commit.
    recipe = make_recipe(deps.objects, b"adopt me\n" * 30, 64)
    _crash_then_let_the_lease_expire(recipe, "archive_written", deps, out, crash, clock)
    key = f"artifacts/acme/arm-disassembly/1.0.0/{recipe.recipe_id}.zip"
    left_behind = deps.objects.head("circulion-artifacts", key)

    (merged,) = handlers.coordinate(recipe.split, deps)

    assert isinstance(merged, RecipeMerged)
    artifact = merged.payload.artifact
    assert deps.objects.head("circulion-artifacts", key).version_id == left_behind.version_id  # no rewrite
    assert artifact.version_id == left_behind.version_id
    blob = deps.objects.get_bytes("circulion-artifacts", key)
    assert artifact.sha256 == hashlib.sha256(blob).hexdigest() and artifact.size_bytes == len(blob)
    assert extracted(blob)[1] == recipe.data
    assert list(deps.objects.list_keys("circulion-work", f"segments/{recipe.recipe_id}/")) == []


def test_an_object_that_is_not_the_jobs_archive_is_rewritten(deps: Deps, out: Captured, clock: Clock) -> None:
    recipe = make_recipe(deps.objects, b"q" * 200, 64)
    for chunk in recipe.chunks:
        handlers.coordinate(chunk, deps)
    key = f"artifacts/acme/arm-disassembly/1.0.0/{recipe.recipe_id}.zip"
    job = deps.ledger.get(recipe.recipe_id)
    assert job is not None
    # A merge that took the lease and died before writing, then junk of some size at the key.
    leased = deps.ledger.replace(job, with_lease(job, "dead", clock.now, deps.settings.lease_seconds))
    assert leased is not None
    junk_version = deps.objects.put_bytes("circulion-artifacts", key, b"not this job's archive")
    clock.now += deps.settings.lease_seconds + 1

    (merged,) = handlers.coordinate(recipe.split, deps)

    assert isinstance(merged, RecipeMerged)
    assert merged.payload.artifact.version_id != junk_version
    assert extracted(deps.objects.get_bytes("circulion-artifacts", key))[1] == recipe.data


def _crash_then_let_the_lease_expire(
    recipe: Recipe, checkpoint: str, deps: Deps, out: Captured, crash: CrashSwitch, clock: Clock
) -> None:
    """Deliver everything with a crash armed at ``checkpoint``, then expire its merge lease."""
    crash.armed = checkpoint
    with pytest.raises(SimulatedCrash):
        deliver_all(recipe, deps, out)
    clock.now += deps.settings.lease_seconds + 1
