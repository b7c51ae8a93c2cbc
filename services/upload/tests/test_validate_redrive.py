"""A recipe FAILED by its own validation (a missing permission, retries spent) is validated
again when its dead-lettered object notification is redriven; other FAILED ones are left."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.recipe import Status, object_key
from chalicelib.store import RecipeStore
from tests.conftest import World
from tests.fakes import utc
from tests.test_validate import BUCKET, RID, add_recipe, run, s3_body

VALIDATION_FAILURE = {"stage": "validation", "code": "access_denied", "message": "access_denied: kms:Decrypt on ..."}


def test_a_redriven_notification_validates_a_recipe_its_validation_failed(world: World) -> None:
    data = b'{"step_id": 1}\n'
    add_recipe(world, data, status=Status.FAILED, errors=(VALIDATION_FAILURE,), failed_at=utc(2026, 1, 1))
    version = world.objects.put_bytes(BUCKET, object_key("acme", RID), data)

    assert run(s3_body(object_key("acme", RID), len(data), version)) == {"batchItemFailures": []}

    assert len(world.bus.of_type("recipe.validated")) == 1
    assert world.store.recipes[RID].status is Status.VALIDATING


@pytest.mark.parametrize("stage", ["process_chunk", "merge", "distribution"])
def test_a_recipe_failed_further_on_is_left_to_its_own_stage(world: World, stage: str) -> None:
    data = b'{"step_id": 1}\n'
    failure = {**VALIDATION_FAILURE, "stage": stage}
    add_recipe(world, data, status=Status.FAILED, errors=(failure,), failed_at=utc(2026, 1, 1))
    version = world.objects.put_bytes(BUCKET, object_key("acme", RID), data)

    assert run(s3_body(object_key("acme", RID), len(data), version)) == {"batchItemFailures": []}

    assert world.bus.events == []
    assert world.store.recipes[RID].status is Status.FAILED


def test_a_failed_recipe_is_claimed_only_at_the_revision_read(world: World) -> None:
    store: RecipeStore = world.store
    recipe = add_recipe(world, b"x", status=Status.FAILED, errors=(VALIDATION_FAILURE,))
    now = utc(2026, 1, 2)
    lease = now + timedelta(minutes=5)
    assert not store.claim_validation(RID, now, lease)  # a FAILED recipe is not free by itself
    assert not store.claim_validation(RID, now, lease, failed_revision=recipe.revision + 1)
    assert store.claim_validation(RID, now, lease, failed_revision=recipe.revision)
    assert not store.claim_validation(RID, now, lease, failed_revision=recipe.revision)  # now VALIDATING, leased
