"""Contract suite of the names index and the withdrawal write: in-memory fakes and DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from chalicelib.dynamo_name_index import DynamoNameIndex
from chalicelib.dynamo_store import DynamoRecipeStore
from chalicelib.errors import InvalidRequest, StoreConflict
from chalicelib.live import LiveVersion
from chalicelib.name_index import NameIndex
from chalicelib.recipe import Restoration, Status, Withdrawal
from chalicelib.store import RecipeStore
from tests.fakes import InMemoryRecipeStore, utc
from tests.name_fakes import InMemoryNameIndex
from tests.test_store import TABLE, _dynamo, make

LIVE = LiveVersion("n", "1.0.1", "r", "a" * 64, 10, utc(2026, 1, 2), "/artifacts/acme/n/1.0.1/r.zip")


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> Iterator[tuple[RecipeStore, NameIndex]]:
    if request.param == "memory":
        memory = InMemoryRecipeStore()
        yield memory, InMemoryNameIndex(memory)
        return
    for store in _dynamo():
        assert isinstance(store, DynamoRecipeStore)
        yield store, DynamoNameIndex(store._db, TABLE)


def test_recipes_of_a_name_are_the_tenants_own(stores: tuple[RecipeStore, NameIndex]) -> None:
    store, index = stores
    store.create(make(1))
    store.create(make(2))
    store.create(make(3, tenant="globex"))
    store.create(make(4, name="other"))
    for n in range(5, 130):  # more than one BatchGetItem's worth
        store.create(make(n, name="many"))
    assert len(index.recipes_of("acme", "many")) == 125
    assert sorted(r.recipe_id for r in index.recipes_of("acme", "n")) == [make(1).recipe_id, make(2).recipe_id]
    assert index.recipes_of("acme", "missing") == []


def test_names_page_in_order_with_their_summary(stores: tuple[RecipeStore, NameIndex]) -> None:
    _, index = stores
    for name in ("c", "a", "b"):
        index.note("acme", name)
    index.note("globex", "z")
    index.set_live("acme", "b", LIVE)
    index.note("acme", "b")  # noting again keeps the summary
    first = index.list("acme", 2, None)
    assert [e.name for e in first.names] == ["a", "b"] and first.names[1].live == LIVE and first.cursor
    second = index.list("acme", 2, first.cursor)
    assert [e.name for e in second.names] == ["c"] and second.cursor is None
    index.set_live("acme", "b", None)
    summary = index.summary("acme", "b")
    assert summary is not None and summary.live is None
    with pytest.raises(InvalidRequest):
        index.list("globex", 2, first.cursor)


def test_record_withdrawal_round_trips_and_is_conditional(stores: tuple[RecipeStore, NameIndex]) -> None:
    store, _ = stores
    recipe = replace(make(1), status=Status.DISTRIBUTED)
    store.create(recipe)
    withdrawn = replace(
        recipe, status=Status.WITHDRAWN, withdrawn=Withdrawal("ops", utc(2026, 1, 3), "bad"), withdrawal_sequence=1
    )
    store.record_withdrawal(withdrawn, utc(2026, 1, 3))
    got = store.get(recipe.recipe_id)
    assert got is not None and (got.status, got.withdrawn, got.withdrawal_sequence) == (
        Status.WITHDRAWN,
        withdrawn.withdrawn,
        1,
    )
    with pytest.raises(StoreConflict):
        store.record_withdrawal(withdrawn, utc(2026, 1, 3))  # stale revision
    restored = replace(
        got,
        status=Status.DISTRIBUTED,
        withdrawn=None,
        restored=Restoration("ops", utc(2026, 1, 4)),
        withdrawal_sequence=2,
    )
    store.record_withdrawal(restored, utc(2026, 1, 4))
    again = store.get(recipe.recipe_id)
    assert again is not None and again.withdrawn is None and again.restored == restored.restored
    assert again.status is Status.DISTRIBUTED and again.withdrawal_sequence == 2
