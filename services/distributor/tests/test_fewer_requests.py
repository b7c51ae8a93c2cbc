"""Requests a write already answers are not made again: the pointer row, the fault budgets."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import ARTIFACTS, World, merged
from fakes import FakeCdn
from moto_table import TABLE, distribution_table
from test_store_contract import pointer

from chalicelib.cdn import CRASH_FAULT, SUPPRESS_FAULT, THROTTLE_FAULT, CdnThrottled, FaultInjectingCdn
from chalicelib.coalescing import distribute
from chalicelib.fault_budgets import DynamoFaultBudgets, fault_key
from chalicelib.publication import Pointer, PointerMove
from chalicelib.store import DynamoDistributionStore
from circulion.testing import sqs_event


@pytest.fixture
def dynamo(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[str]]]:
    """A moto DynamoDB client with the distribution table, and the operations it was asked."""
    with distribution_table(monkeypatch) as db:
        calls: list[str] = []
        db.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
        yield db, calls


def test_a_refused_pointer_update_reads_nothing_more(dynamo: tuple[Any, list[str]]) -> None:
    db, calls = dynamo
    store = DynamoDistributionStore(db, TABLE)
    store.advance_pointer(pointer("1.2.0", "r2"))
    calls.clear()
    assert store.advance_pointer(pointer("1.1.0", "r3")) == (PointerMove.STALE, pointer("1.2.0", "r2"))
    assert store.advance_pointer(pointer("1.2.0", "r2")) == (PointerMove.CURRENT, pointer("1.2.0", "r2"))
    later = Pointer(**{**pointer("1.3.0", "r4").__dict__, "generation": 1})
    assert store.advance_pointer(later) == (PointerMove.REGENERATED, later)
    assert calls == ["UpdateItem"] * 3  # the refused row comes back with the error


class CountingStore:
    """Counts the pointer-row reads of the store it wraps."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.pointer_reads = 0

    def current_pointer(self, tenant_id: str, name: str) -> Pointer | None:
        self.pointer_reads += 1
        return self._inner.current_pointer(tenant_id, name)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_moved_pointer_is_written_from_the_update_and_checked_once(world: Callable[..., World]) -> None:
    w = world()
    counting = CountingStore(w.store)
    deps = dataclasses.replace(w.deps, store=counting)
    message = merged("acme", "arm", "1.0.0")
    assert distribute(sqs_event([message]), deps) == {"batchItemFailures": []}
    assert counting.pointer_reads == 1  # the check after the write; the write needed no read
    stored = json.loads(w.objects.get_bytes(ARTIFACTS, "artifacts/acme/arm/latest.json"))
    assert stored["recipe_id"] == message.recipe_id and stored["version"] == "1.0.0"


def test_unarmed_fault_budgets_cost_one_read_and_armed_ones_still_fire(dynamo: tuple[Any, list[str]]) -> None:
    db, calls = dynamo
    store = DynamoDistributionStore(db, TABLE)
    budgets = DynamoFaultBudgets(db, TABLE)
    crashes: list[bool] = []
    cdn = FaultInjectingCdn(FakeCdn(), store.take_fault, lambda: crashes.append(True), armed=budgets.armed)
    calls.clear()
    assert cdn.create_invalidation(["/a"], "ref-1") == "I0001"
    assert calls == ["BatchGetItem"] and crashes == []
    db.put_item(TableName=TABLE, Item={**fault_key(THROTTLE_FAULT), "remaining": {"N": "1"}})
    db.put_item(TableName=TABLE, Item={**fault_key(CRASH_FAULT), "remaining": {"N": "1"}})
    db.put_item(TableName=TABLE, Item={**fault_key(SUPPRESS_FAULT), "remaining": {"N": "0"}})
    with pytest.raises(CdnThrottled):
        cdn.create_invalidation(["/b"], "ref-2")
    assert cdn.create_invalidation(["/b"], "ref-2") == "I0002" and crashes == [True]
    assert budgets.armed((THROTTLE_FAULT, SUPPRESS_FAULT, CRASH_FAULT)) == frozenset()


def test_a_batch_writes_no_row_per_recipe_and_a_redelivery_finds_its_invalidation(
    world: Callable[..., World],
) -> None:
    w = world()
    messages = [merged("acme", f"n{i}", "1.0.0") for i in range(3)]
    distribute(sqs_event(messages), w.deps)
    assert w.store.recipes == {}  # each recipe's invalidation is its pending request's
    assert {w.store.pending[m.recipe_id] for m in messages} == set(w.store.invalidations)
    distribute(sqs_event(messages[1:]), w.deps)
    ids = [e.payload.invalidation_id for e in w.bus.events if hasattr(e.payload, "invalidation_id")]
    assert ids == ["I0001"] * 5 and w.cdn.calls == 1
