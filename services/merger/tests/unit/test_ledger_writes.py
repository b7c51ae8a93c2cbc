"""The ledger's writes answer what a read would have: the job they left, the count they checked."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import handlers
from chalicelib.deps import Deps
from chalicelib.dynamo_ledger_store import DynamoLedgerStore
from chalicelib.ledger_store import ChunkCountConflict
from circulion.contracts.events import ChunkProcessedPayload, RecipeMerged
from circulion.testing import InMemoryObjectStore
from circulion.testing.tables import create_keyed_table
from tests.fakes import InMemoryLedgerStore
from tests.scenario import Captured, Recipe, extracted, make_recipe

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


class ChunkReads(InMemoryLedgerStore):
    """The fake ledger, counting how often the chunk results are read back."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def chunks(self, recipe_id: str) -> list[ChunkProcessedPayload]:
        self.reads += 1
        return super().chunks(recipe_id)


@pytest.mark.parametrize("chunk_last", [True, False])
def test_a_one_chunk_recipe_merges_the_same_archive_with_or_without_reading_its_chunk(
    deps: Deps, out: Captured, chunk_last: bool
) -> None:
    ledger = ChunkReads()
    deps = dataclasses.replace(deps, ledger=ledger)
    one = make_recipe(deps.objects, b"line\n" * 20, 4096)
    order = [one.split, one.chunk(0)] if chunk_last else [one.chunk(0), one.split]
    for message in order:
        out.publish(handlers.coordinate(message, deps))
    merged = [m for m in out.messages if isinstance(m, RecipeMerged)]
    assert len(merged) == 1 and merged[0].payload.total_chunks == 1
    # The invocation that recorded the only chunk holds it; the plan's invocation reads it.
    assert ledger.reads == (0 if chunk_last else 1)
    artifact = merged[0].payload.artifact
    assert extracted(deps.objects.get_bytes(artifact.bucket, artifact.key))[1] == one.data
    again = handlers.coordinate(one.chunk(0), deps)  # a duplicate reads, and re-emits the same
    assert [m.payload for m in again] == [merged[0].payload]  # type: ignore[attr-defined]
