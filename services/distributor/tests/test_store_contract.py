"""One suite, two stores: the in-memory fake and the DynamoDB adapter (in-process moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from fakes import InMemoryDistributionStore
from moto_table import TABLE, distribution_table

from chalicelib.cdn import THROTTLE_FAULT
from chalicelib.invalidation import InvalidationRequest
from chalicelib.publication import Pointer, PointerMove
from chalicelib.store import DistributionStore, DynamoDistributionStore
from chalicelib.versions import order_key


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if request.param == "memory":
        yield InMemoryDistributionStore()
        return
    with distribution_table(monkeypatch) as db:
        yield DynamoDistributionStore(db, TABLE)


def pointer(version: str, recipe_id: str, name: str = "arm") -> Pointer:
    return Pointer(
        "acme",
        name,
        version,
        order_key(version),
        recipe_id,
        f"artifacts/acme/{name}/{version}/{recipe_id}.zip",
        "a" * 64,
        42,
        "2026-11-22T12:00:00+00:00",
    )


def test_pointer_moves_only_forward(store: DistributionStore) -> None:
    assert store.current_pointer("acme", "arm") is None
    assert store.advance_pointer(pointer("1.0.0", "r1")) == (PointerMove.MOVED, pointer("1.0.0", "r1"))
    assert store.advance_pointer(pointer("1.2.0", "r2"))[0] is PointerMove.MOVED
    move, winner = store.advance_pointer(pointer("1.1.0", "r3"))
    assert move is PointerMove.STALE
    assert winner == pointer("1.2.0", "r2")
    move, winner = store.advance_pointer(pointer("1.2.0", "r2"))
    assert move is PointerMove.CURRENT
    assert store.current_pointer("acme", "arm") == pointer("1.2.0", "r2")
    assert store.advance_pointer(pointer("1.2", "r9"))[0] is PointerMove.STALE  # same rank, other recipe
    assert store.current_pointer("acme", "other") is None


def test_invalidations_are_recorded_and_counted_once(store: DistributionStore) -> None:
    assert store.find_invalidation("ref-1") is None
    assert store.record_invalidation("ref-1", "I1", ["/a", "/b"], "2026-11") is True
    assert store.record_invalidation("ref-1", "I1", ["/a", "/b"], "2026-11") is False
    assert store.record_invalidation("ref-2", "I2", ["/c"], "2026-11") is True
    assert store.find_invalidation("ref-1") == "I1"
    assert store.invalidated_paths("2026-11") == 3
    assert store.invalidated_paths("2026-12") == 0


def test_recipe_keeps_its_first_invalidation(store: DistributionStore) -> None:
    assert store.recipe_invalidation("r1") is None
    store.record_recipe_invalidation(["r1", "r2"], "I1")
    store.record_recipe_invalidation(["r1"], "I2")
    assert store.recipe_invalidation("r1") == "I1"
    assert store.recipe_invalidation("r2") == "I1"


def test_fault_budget_is_consumed(store: DistributionStore) -> None:
    assert store.take_fault(THROTTLE_FAULT) is False
    if isinstance(store, InMemoryDistributionStore):
        store.faults[THROTTLE_FAULT] = 2
    else:
        boto3.client("dynamodb", region_name="us-east-1").put_item(
            TableName=TABLE,
            Item={"pk": {"S": f"fault#{THROTTLE_FAULT}"}, "sk": {"S": "budget"}, "remaining": {"N": "2"}},
        )
    assert [store.take_fault(THROTTLE_FAULT) for _ in range(3)] == [True, True, False]


def test_a_planned_request_is_pending_for_its_recipes_until_recorded(store: DistributionStore) -> None:
    first = InvalidationRequest(("/a", "/b"), "ref-1", ("r1", "r2"))
    assert store.pending_invalidation("r1") is None
    assert store.plan_invalidation(first) == ()
    assert store.plan_invalidation(first) == ()  # a replanned batch
    assert store.find_invalidation("ref-1") is None  # planned, not made
    assert store.pending_invalidation("r2") == first
    assert store.plan_invalidation(InvalidationRequest(("/a",), "ref-2", ("r1",))) == ("r1",)
    assert store.pending_invalidation("r1") == first
    assert store.record_invalidation("ref-1", "I1", ["/a", "/b"], "2026-11") is True
    assert store.find_invalidation("ref-1") == "I1"
    assert store.record_invalidation("ref-1", "I1", ["/a", "/b"], "2026-11") is False
    assert store.invalidated_paths("2026-11") == 2
