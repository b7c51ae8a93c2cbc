"""The coordinator's flows against the fakes: completion, rejection, leases, the sweeper."""

from __future__ import annotations

import json

import pytest

from chalicelib import handlers, sweeping
from chalicelib.bootstrap import Deps
from chalicelib.handlers import LeaseHeld
from chalicelib.ledger import JobState
from chalicelib.settings import MergerSettings
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
from circulion.testing import InMemoryObjectStore
from tests.fakes import InMemoryLedgerStore
from tests.scenario import Captured, Clock, CrashSwitch, Recipe, SimulatedCrash, extracted, make_recipe


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def crash() -> CrashSwitch:
    return CrashSwitch()


@pytest.fixture
def out() -> Captured:
    return Captured()


@pytest.fixture
def deps(clock: Clock, crash: CrashSwitch, out: Captured) -> Deps:
    return Deps(
        settings=MergerSettings(tracing_enabled=False, max_redrives=2),
        publisher=out,
        dead_letters=None,
        ledger=InMemoryLedgerStore(),
        objects=InMemoryObjectStore(),
        merger_queue=out,
        clock=clock,
        checkpoint=crash,
    )


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
    crash.armed = "lease_taken"
    with pytest.raises(SimulatedCrash):
        deliver_all(recipe, deps, out)
    clock.now += deps.settings.lease_seconds + 1
    assert sweeping.sweep(deps).actions == {"redrive": 1}
    (redrive,) = [m for m in out.messages if isinstance(m, RecipeSplit)]
    assert [type(m) for m in handlers.coordinate(redrive, deps)] == [RecipeMerged]
