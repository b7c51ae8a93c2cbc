"""The ledger's writes answer what a read would have: the job they left, the count they checked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import handlers
from chalicelib.deps import Deps
from chalicelib.dynamo_ledger_store import DynamoLedgerStore
from chalicelib.ledger_store import ChunkCountConflict
from circulion.testing import InMemoryObjectStore
from circulion.testing.tables import create_keyed_table
from tests.fakes import InMemoryLedgerStore
from tests.scenario import Recipe, make_recipe

TABLE = "circulion-ledger"
NOW = 1_700_000_000.0
Dynamo = tuple[DynamoLedgerStore, list[str]]


@pytest.fixture
def dynamo() -> Iterator[Dynamo]:
    """A DynamoDB ledger and the names of the operations it called, in order."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_keyed_table(client, TABLE)
        calls: list[str] = []

        def count(model: Any, **_: Any) -> None:
            calls.append(model.name)

        client.meta.events.register("before-call.dynamodb", count)
        yield DynamoLedgerStore(client, TABLE, ttl_seconds=3600), calls


@pytest.fixture
def recipe() -> Recipe:
    return make_recipe(InMemoryObjectStore(), b"0123456789" * 3, 10)


def test_recording_the_plan_returns_the_job_as_stored(dynamo: Dynamo, recipe: Recipe) -> None:
    ledger, calls = dynamo
    ledger.record_chunk(recipe.recipe_id, recipe.tenant_id, None, recipe.chunk(1).payload, NOW)
    calls.clear()
    recorded = ledger.record_plan(recipe.recipe_id, recipe.tenant_id, None, recipe.split.payload, NOW + 1)
    assert calls == ["UpdateItem"]
    assert recorded == ledger.get(recipe.recipe_id)
    assert recorded.total == 3 and recorded.done == 1 and recorded.plan == recipe.split.payload


def test_a_duplicate_plan_returns_the_job_unchanged(dynamo: Dynamo, recipe: Recipe) -> None:
    ledger, calls = dynamo
    first = ledger.record_plan(recipe.recipe_id, recipe.tenant_id, None, recipe.split.payload, NOW)
    calls.clear()
    again = ledger.record_plan(recipe.recipe_id, recipe.tenant_id, None, recipe.split.payload, NOW + 5)
    assert calls == ["UpdateItem"]  # the failed condition hands back the stored job
    assert again == first == ledger.get(recipe.recipe_id)  # version and progress untouched


@pytest.mark.parametrize("backend", ["memory", "dynamodb"])
def test_a_chunk_with_another_count_than_the_plan_records_nothing(backend: str, dynamo: Dynamo, recipe: Recipe) -> None:
    ledger = dynamo[0] if backend == "dynamodb" else InMemoryLedgerStore()
    ledger.record_plan(recipe.recipe_id, recipe.tenant_id, None, recipe.split.payload, NOW)
    before = ledger.get(recipe.recipe_id)
    wrong = recipe.chunk(0).payload.model_copy(update={"total_chunks": 4})
    with pytest.raises(ChunkCountConflict) as raised:
        ledger.record_chunk(recipe.recipe_id, recipe.tenant_id, None, wrong, NOW + 1)
    assert raised.value.total == 3
    assert ledger.get(recipe.recipe_id) == before and ledger.chunks(recipe.recipe_id) == []
    assert ledger.record_chunk(recipe.recipe_id, recipe.tenant_id, None, recipe.chunk(0).payload, NOW + 2)


def test_the_coordinator_rejects_a_chunk_whose_count_contradicts_the_plan(deps: Deps, recipe: Recipe) -> None:
    handlers.coordinate(recipe.split, deps)
    wrong = recipe.chunk(0).model_copy(
        update={"payload": recipe.chunk(0).payload.model_copy(update={"total_chunks": 4})}
    )
    with pytest.raises(handlers.InvalidChunk, match="chunk says 4 chunks, the plan has 3"):
        handlers.coordinate(wrong, deps)
    assert deps.ledger.chunks(recipe.recipe_id) == []
