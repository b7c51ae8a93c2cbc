"""One contract, two ledgers: the in-memory fake and DynamoDB (in-process moto) behave alike."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from chalicelib.dynamo_ledger_store import DynamoLedgerStore
from chalicelib.ledger import JobState, with_lease
from chalicelib.ledger_store import LedgerStore, PlanConflict
from circulion.testing import InMemoryObjectStore
from circulion.testing.tables import create_keyed_table
from tests.fakes import InMemoryLedgerStore
from tests.scenario import Recipe, make_recipe

TABLE = "circulion-ledger"
NOW = 1_700_000_000.0


@pytest.fixture(params=["memory", "dynamodb"])
def ledger(request: pytest.FixtureRequest) -> Iterator[LedgerStore]:
    if request.param == "memory":
        yield InMemoryLedgerStore()
        return
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_keyed_table(client, TABLE)
        yield DynamoLedgerStore(client, TABLE, ttl_seconds=3600)


@pytest.fixture
def recipe() -> Recipe:
    return make_recipe(InMemoryObjectStore(), b"0123456789" * 3, 10)


def record(ledger: LedgerStore, recipe: Recipe, index: int, now: float = NOW) -> bool:
    chunk = recipe.chunk(index)
    return ledger.record_chunk(recipe.recipe_id, recipe.tenant_id, "Root=1-a-b", chunk.payload, now)


def plan(ledger: LedgerStore, recipe: Recipe, now: float = NOW) -> None:
    ledger.record_plan(recipe.recipe_id, recipe.tenant_id, None, recipe.split.payload, now)


def test_a_duplicate_chunk_changes_nothing(ledger: LedgerStore, recipe: Recipe) -> None:
    assert record(ledger, recipe, 0)
    before = ledger.get(recipe.recipe_id)
    assert not record(ledger, recipe, 0, now=NOW + 5)
    assert ledger.get(recipe.recipe_id) == before
    assert before is not None and before.done == 1 and before.total is None


def test_chunks_before_the_plan_complete_the_job_once_it_arrives(ledger: LedgerStore, recipe: Recipe) -> None:
    for index in (2, 0, 1):
        record(ledger, recipe, index)
    job = ledger.get(recipe.recipe_id)
    assert job is not None and not job.complete and job.state is JobState.COLLECTING
    plan(ledger, recipe)
    plan(ledger, recipe)  # duplicate plans are harmless
    job = ledger.get(recipe.recipe_id)
    assert job is not None and job.complete and job.total == 3 and job.done == 3
    assert job.plan == recipe.split.payload and job.trace_header == "Root=1-a-b"
    assert [c.chunk.index for c in ledger.chunks(recipe.recipe_id)] == [0, 1, 2]


def test_a_plan_with_another_chunk_count_is_a_conflict(ledger: LedgerStore, recipe: Recipe) -> None:
    plan(ledger, recipe)
    other = recipe.split.payload.model_copy(update={"total_chunks": 4})
    with pytest.raises(PlanConflict):
        ledger.record_plan(recipe.recipe_id, recipe.tenant_id, None, other, NOW)


def test_replace_is_a_compare_and_set_on_the_version(ledger: LedgerStore, recipe: Recipe) -> None:
    plan(ledger, recipe)
    job = ledger.get(recipe.recipe_id)
    assert job is not None
    leased = ledger.replace(job, with_lease(job, "me", NOW, 60))
    assert leased is not None and leased.lease_owner == "me" and leased.state is JobState.MERGING
    assert leased.lease_expires_at == NOW + 60 and leased.merge_started_at == NOW
    assert ledger.replace(job, with_lease(job, "you", NOW, 60)) is None  # stale version
    assert ledger.get(recipe.recipe_id) == leased


def test_only_the_lease_holder_commits_with_a_lease_guard(ledger: LedgerStore, recipe: Recipe) -> None:
    plan(ledger, recipe)
    job = ledger.get(recipe.recipe_id)
    assert job is not None
    leased = ledger.replace(job, with_lease(job, "me", NOW, 60))
    assert leased is not None
    done = dataclasses.replace(leased, state=JobState.MERGED, outcome="{}", lease_owner=None, lease_expires_at=None)
    assert ledger.replace(leased, done, lease_owner="you") is None
    stored = ledger.replace(leased, done, lease_owner="me")
    assert stored is not None and stored.state is JobState.MERGED and stored.lease_owner is None
    assert ledger.replace(leased, done, lease_owner="me") is None  # no longer MERGING


def test_open_jobs_lists_only_unfinished_jobs(ledger: LedgerStore, recipe: Recipe) -> None:
    other = make_recipe(InMemoryObjectStore(), b"abc", 10)
    plan(ledger, recipe)
    plan(ledger, other)
    job = ledger.get(other.recipe_id)
    assert job is not None
    ledger.replace(job, dataclasses.replace(job, state=JobState.REJECTED, outcome="{}"))
    assert [j.recipe_id for j in ledger.open_jobs()] == [recipe.recipe_id]
