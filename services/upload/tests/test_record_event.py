"""The DynamoDB store's one-write projection against the exact rules (read, project, write).

The in-memory store projects by reading first, as the handler used to: the DynamoDB store
must leave the same record, report the same change (what the metrics are made of) and
the same record before it, for any order of events, duplicates, final states and
redrives, from items in the old milestone format too; and on the usual path it must do it
in one request per event.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from chalicelib.dynamo_store import DynamoRecipeStore
from chalicelib.projection import Projected
from chalicelib.recipe import Recipe, Status
from chalicelib.recipe_item import RECIPE_SK
from chalicelib.store import recipe_pk
from tests.fakes import InMemoryRecipeStore, utc
from tests.lifecycle_events import IN_ORDER, LIFECYCLE, T0, lifecycle_event
from tests.test_store import TABLE, create_recipes_table, make

NOW = utc(2026, 1, 3)
_ids = itertools.count(1000)


@dataclass
class Dynamo:
    db: Any
    store: DynamoRecipeStore
    calls: Counter[str]


@pytest.fixture(scope="module")
def dynamo() -> Iterator[Dynamo]:
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        create_recipes_table(db)
        calls: Counter[str] = Counter()
        db.meta.events.register("before-call.dynamodb", lambda model, **_: calls.update([model.name]))
        yield Dynamo(db, DynamoRecipeStore(db, TABLE), calls)


def _same(recipe: Recipe | None) -> Recipe | None:
    """Milestones compared as a set: the map attribute keeps no order."""
    return None if recipe is None else replace(recipe, milestones=tuple(sorted(recipe.milestones)))


def _same_projected(p: Projected | None) -> tuple[Recipe | None, object] | None:
    return None if p is None else (_same(p.before), p.change)


def _start(dynamo: Dynamo, status: Status, milestone: bool, legacy: bool) -> tuple[Recipe, InMemoryRecipeStore]:
    recipe = make(next(_ids), status=status, failed_at=T0 if status is Status.FAILED else None)
    if milestone:
        recipe = replace(recipe, milestones=(("validated", T0 - timedelta(seconds=9)),))
    memory = InMemoryRecipeStore()
    memory.create(recipe)
    dynamo.store.create(recipe)
    if legacy:  # as items were written before milestones became a map
        dynamo.db.update_item(
            TableName=TABLE,
            Key={"pk": {"S": recipe_pk(recipe.recipe_id)}, "sk": {"S": RECIPE_SK}},
            UpdateExpression="SET milestones = :j",
            ExpressionAttributeValues={
                ":j": {"S": '{"validated": "2026-01-01T23:59:51+00:00"}' if milestone else "{}"}
            },
        )
    return recipe, memory


events = st.tuples(st.sampled_from(LIFECYCLE), st.integers(-3, 3), st.integers(0, 2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Hypothesis favours the first statuses; these are the cases a wrong condition breaks first.
@example(Status.FAILED, False, False, [("chunk.processed", -1, 0), ("recipe.split", 1, 0)], [], "acme")
@example(Status.PROCESSING, True, True, [("recipe.split", 0, 0), ("recipe.merge_started", 1, 0)], [0, 1], "acme")
@example(Status.DISTRIBUTING, False, False, [("recipe.merged", 0, 0), ("chunk.processed", 0, 2)], [0, 1], "acme")
@given(
    status=st.sampled_from([*Status, Status.FAILED, Status.PROCESSING]),  # the redrive rule, the usual status
    milestone=st.booleans(),
    legacy=st.booleans(),
    sequence=st.lists(events, min_size=1, max_size=6),
    redelivered=st.lists(st.integers(0, 5), max_size=4),
    tenant=st.sampled_from(["acme", "acme", "acme", "other"]),
)
def test_one_write_leaves_what_reading_first_leaves(
    dynamo: Dynamo,
    status: Status,
    milestone: bool,
    legacy: bool,
    sequence: list[tuple[str, int, int]],
    redelivered: list[int],
    tenant: str,
) -> None:
    recipe, memory = _start(dynamo, status, milestone, legacy)
    again = [sequence[i] for i in redelivered if i < len(sequence)]
    for kind, seconds, index in [*sequence, *again]:
        event = lifecycle_event(kind, recipe.recipe_id, tenant_id=tenant, seconds=seconds, index=index)
        assert _same_projected(dynamo.store.record_event(event, NOW)) == _same_projected(
            memory.record_event(event, NOW)
        )
        assert _same(dynamo.store.get(recipe.recipe_id)) == _same(memory.get(recipe.recipe_id))
    claimed = (recipe.version in dynamo.store.versions("acme", "n"), recipe.version in memory.versions("acme", "n"))
    assert claimed[0] == claimed[1]


def _requests(dynamo: Dynamo, recipe_id: str, kind: str, **kw: Any) -> tuple[int, Projected | None]:
    dynamo.calls.clear()
    projected = dynamo.store.record_event(lifecycle_event(kind, recipe_id, **kw), NOW)
    return sum(dynamo.calls.values()), projected


def test_a_recipe_in_order_costs_one_update_per_event_and_no_read(dynamo: Dynamo) -> None:
    recipe = make(next(_ids), status=Status.VALIDATING)
    dynamo.store.create(recipe)
    for seconds, kind in enumerate(IN_ORDER):
        for index in range(3) if kind == "chunk.processed" else [0]:
            dynamo.calls.clear()
            projected = dynamo.store.record_event(
                lifecycle_event(kind, recipe.recipe_id, seconds=seconds, index=index), NOW
            )
            assert dynamo.calls == Counter({"UpdateItem": 1}), kind
            assert projected is not None and projected.change is not None
    final = dynamo.store.get(recipe.recipe_id)
    assert final is not None and final.status is Status.DISTRIBUTED and final.chunks_done == 3
    assert set(final.moments()) == {"validated", "split", "merge_started", "merged", "distributed"}
    assert final.revision == recipe.revision + 8


def test_a_duplicate_costs_one_request_and_writes_nothing(dynamo: Dynamo) -> None:
    recipe = make(next(_ids), status=Status.PROCESSING)
    dynamo.store.create(recipe)
    assert _requests(dynamo, recipe.recipe_id, "recipe.split")[0] == 1
    written = dynamo.store.get(recipe.recipe_id)
    requests, projected = _requests(dynamo, recipe.recipe_id, "recipe.split", seconds=5)
    assert requests == 1 and projected is not None and projected.change is None
    assert dynamo.store.get(recipe.recipe_id) == written  # same revision, same updated_at, first moment kept


def test_an_event_out_of_order_costs_a_second_write_not_a_read(dynamo: Dynamo) -> None:
    recipe = make(next(_ids), status=Status.VALIDATING)
    dynamo.store.create(recipe)
    dynamo.calls.clear()
    projected = dynamo.store.record_event(lifecycle_event("chunk.processed", recipe.recipe_id), NOW)
    assert dynamo.calls == Counter({"UpdateItem": 2})
    assert projected is not None and projected.change is not None and projected.change.status is Status.PROCESSING
    assert projected.before.status is Status.VALIDATING


def test_events_that_change_no_record_read_nothing_and_unknown_recipes_write_nothing(dynamo: Dynamo) -> None:
    assert _requests(dynamo, "f" * 32, "recipe.withdrawn") == (0, None)
    assert _requests(dynamo, "f" * 32, "recipe.merged") == (1, None)
    assert dynamo.store.get("f" * 32) is None


@pytest.mark.parametrize("kind", ["chunk.processed", "recipe.split", "recipe.failed", "recipe.merge_started"])
@pytest.mark.parametrize("seconds", [-1, 1])
def test_a_failed_recipe_moves_on_only_for_an_event_emitted_after_its_failure(
    dynamo: Dynamo, kind: str, seconds: int
) -> None:
    recipe, memory = _start(dynamo, Status.FAILED, milestone=False, legacy=False)
    event = lifecycle_event(kind, recipe.recipe_id, seconds=seconds)
    assert _same_projected(dynamo.store.record_event(event, NOW)) == _same_projected(memory.record_event(event, NOW))
    got = dynamo.store.get(recipe.recipe_id)
    assert _same(got) == _same(memory.get(recipe.recipe_id))
    assert got is not None and (got.status is Status.FAILED) == (seconds < 0 or kind == "recipe.failed")
