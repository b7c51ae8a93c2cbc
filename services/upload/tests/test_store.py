"""One contract suite for the recipes store: the in-memory fake and DynamoDB (in-process moto)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.dynamo_store import DynamoRecipeStore
from chalicelib.errors import StoreConflict, VersionTaken
from chalicelib.projection import Change
from chalicelib.recipe import Artifact, Multipart, Recipe, Status, object_key
from chalicelib.store import ListQuery, RecipeStore
from tests.fakes import InMemoryRecipeStore, utc

TABLE = "circulion-recipes"


def make(n: int, tenant: str = "acme", name: str = "n", **kw: object) -> Recipe:
    rid = f"{n:032x}"
    recipe = Recipe(
        recipe_id=rid,
        tenant_id=tenant,
        name=name,
        version=f"1.0.{n}",
        content_type="application/json",
        size=3,
        sha256="0" * 64,
        status=Status.AWAITING_UPLOAD,
        created_at=utc(2026, 1, 1) + timedelta(minutes=n),
        updated_at=utc(2026, 1, 1),
        bucket="b",
        key=object_key(tenant, rid),
        multipart=Multipart("u1", 5, 3),
        trace_header="Root=1-x-y",
        file_name="arm run.json",
    )
    return replace(recipe, **kw)  # type: ignore[arg-type]


def create_recipes_table(db: Any) -> None:
    """The recipes table as the stack defines it."""
    db.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "gsi1pk", "gsi1sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "Projection": {"ProjectionType": "ALL"},
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
            }
        ],
    )


def _dynamo() -> Iterator[RecipeStore]:
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        create_recipes_table(db)
        yield DynamoRecipeStore(db, TABLE)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[RecipeStore]:
    if request.param == "memory":
        yield InMemoryRecipeStore()
    else:
        yield from _dynamo()


def test_round_trip_and_version_claims(store: RecipeStore) -> None:
    recipe = make(1)
    store.create(recipe)
    assert store.get(recipe.recipe_id) == recipe
    with pytest.raises(VersionTaken):
        store.create(replace(recipe, recipe_id="f" * 32))
    store.create(make(2))
    assert sorted(store.versions("acme", "n")) == ["1.0.1", "1.0.2"]
    assert store.versions("other", "n") == []
    assert store.get("e" * 32) is None


def test_listing_newest_first_filters_and_cursor(store: RecipeStore) -> None:
    for n in range(1, 6):
        store.create(make(n, name="a" if n % 2 else "b"))
    store.create(make(9, tenant="other"))
    page = store.list(ListQuery("acme", 2))
    ids = [r.recipe_id for r in page.recipes]
    while page.cursor:
        page = store.list(ListQuery("acme", 2, cursor=page.cursor))
        ids += [r.recipe_id for r in page.recipes]
    assert ids == [f"{n:032x}" for n in (5, 4, 3, 2, 1)]
    named = store.list(ListQuery("acme", 10, name="a"))
    assert [r.recipe_id for r in named.recipes] == [f"{n:032x}" for n in (5, 3, 1)]
    assert store.list(ListQuery("acme", 10, status=Status.FAILED)).recipes == []


def test_validation_claim_is_exclusive_until_the_lease_expires(store: RecipeStore) -> None:
    recipe = make(1)
    store.create(recipe)
    now = utc(2026, 1, 2)
    assert store.claim_validation(recipe.recipe_id, now, now + timedelta(minutes=5))
    assert not store.claim_validation(recipe.recipe_id, now + timedelta(minutes=1), now + timedelta(minutes=6))
    assert store.claim_validation(recipe.recipe_id, now + timedelta(minutes=6), now + timedelta(minutes=11))
    got = store.get(recipe.recipe_id)
    assert got is not None and got.status is Status.VALIDATING


def test_apply_is_optimistic_and_counts_distinct_chunks(store: RecipeStore) -> None:
    recipe = make(1, status=Status.PROCESSING)
    store.create(recipe)
    now = utc(2026, 1, 2)
    store.apply(recipe, Change(chunks_total=3, chunk_index=0), now)
    with pytest.raises(StoreConflict):
        store.apply(recipe, Change(chunk_index=1), now)  # stale revision
    for index in (1, 1, 0):
        current = store.get(recipe.recipe_id)
        assert current is not None
        store.apply(current, Change(chunk_index=index), now)
    current = store.get(recipe.recipe_id)
    assert current is not None and current.chunks_done == 2 and current.chunks_total == 3
    artifact = Artifact("a", "k", 5, "1" * 64, "/k")
    store.apply(current, Change(status=Status.DISTRIBUTED, artifact=artifact, errors=({"code": "x"},)), now)
    final = store.get(recipe.recipe_id)
    assert final is not None and final.status is Status.DISTRIBUTED and final.artifact == artifact
    assert final.errors == ({"code": "x"},)


def test_abort_only_while_waiting_and_releases_the_version(store: RecipeStore) -> None:
    recipe = make(1)
    store.create(recipe)
    store.mark_upload_completed(recipe.recipe_id, utc(2026, 1, 2))
    assert not store.abort(recipe, utc(2026, 1, 2))
    other = make(2)
    store.create(other)
    assert store.abort(other, utc(2026, 1, 2))
    got = store.get(other.recipe_id)
    assert got is not None and got.status is Status.ABORTED
    store.create(replace(other, recipe_id="d" * 32))  # the version is free again


def test_the_arrival_is_kept_from_the_first_claim_and_milestones_accumulate(store: RecipeStore) -> None:
    recipe = make(1)
    store.create(recipe)
    first = utc(2026, 1, 2)
    assert store.claim_validation(recipe.recipe_id, first, first + timedelta(minutes=5))
    assert store.claim_validation(recipe.recipe_id, first + timedelta(minutes=6), first + timedelta(minutes=11))
    for name, minutes in (("validated", 7), ("split", 8)):
        current = store.get(recipe.recipe_id)
        assert current is not None
        store.apply(current, Change(milestone=(name, first + timedelta(minutes=minutes))), first)
    got = store.get(recipe.recipe_id)
    assert got is not None and got.arrived_at == first
    assert got.moments() == {
        "arrived": first,
        "validated": first + timedelta(minutes=7),
        "split": first + timedelta(minutes=8),
    }


def test_an_aborted_upload_cannot_be_marked_completed(store: RecipeStore) -> None:
    recipe = make(1)
    store.create(recipe)
    assert store.abort(recipe, utc(2026, 1, 2))
    with pytest.raises(StoreConflict):
        store.mark_upload_completed(recipe.recipe_id, utc(2026, 1, 3))
    got = store.get(recipe.recipe_id)
    assert got is not None and got.status is Status.ABORTED and not got.upload_completed


def test_a_rejected_attempt_releases_its_version_and_a_distributed_one_keeps_it(store: RecipeStore) -> None:
    rejected, distributed = make(1), make(2)
    for recipe in (rejected, distributed):
        store.create(recipe)
    store.apply(rejected, Change(status=Status.REJECTED, errors=({"code": "bad_value"},)), utc(2026, 1, 2))
    store.apply(distributed, Change(status=Status.DISTRIBUTED), utc(2026, 1, 2))
    assert store.versions("acme", "n") == ["1.0.2"]
    store.create(replace(rejected, recipe_id="d" * 32))  # the corrected recipe, same version
    with pytest.raises(VersionTaken):
        store.create(replace(distributed, recipe_id="e" * 32))
    got = store.get(rejected.recipe_id)
    assert got is not None and got.status is Status.REJECTED  # the attempt itself stays visible


def test_releasing_never_frees_another_attempts_claim(store: RecipeStore) -> None:
    first = make(1)
    store.create(first)
    assert store.abort(first, utc(2026, 1, 2))
    second = replace(first, recipe_id="d" * 32, status=Status.AWAITING_UPLOAD)
    store.create(second)  # the version, claimed again after the abort
    current = store.get(first.recipe_id)
    assert current is not None
    store.apply(current, Change(status=Status.REJECTED), utc(2026, 1, 3))  # a late rejection of the first
    with pytest.raises(VersionTaken):
        store.create(replace(first, recipe_id="e" * 32))


def test_a_failed_recipe_is_claimed_for_validation_only_at_its_revision(store: RecipeStore) -> None:
    recipe = replace(make(1), status=Status.FAILED)
    store.create(recipe)
    stored = store.get(recipe.recipe_id)
    assert stored is not None
    now = utc(2026, 1, 2)
    lease = now + timedelta(minutes=5)
    assert not store.claim_validation(recipe.recipe_id, now, lease)
    assert not store.claim_validation(recipe.recipe_id, now, lease, failed_revision=stored.revision + 1)
    assert store.claim_validation(recipe.recipe_id, now, lease, failed_revision=stored.revision)
    got = store.get(recipe.recipe_id)
    assert got is not None and got.status is Status.VALIDATING
