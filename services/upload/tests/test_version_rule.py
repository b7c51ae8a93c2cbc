"""One rule for versions: an attempt that ends REJECTED or ABORTED gives its version back;
one that is DISTRIBUTED (or in flight, or FAILED) keeps it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from app import app
from chalice.test import Client

from chalicelib.recipe import Status
from circulion.contracts import (
    ArtifactRef,
    RecipeDistributed,
    RecipeDistributedPayload,
    RecipeFailed,
    RecipeFailedPayload,
    RecipeRejected,
    RecipeRejectedPayload,
    ValidationIssue,
)
from circulion.contracts.envelope import Envelope
from circulion.testing import sqs_event
from tests.conftest import World

SHA = hashlib.sha256(b"{}").hexdigest()


@pytest.fixture
def client(world: World) -> Any:
    with Client(app) as c:
        yield c


def create(client: Any, world: World, version: str) -> Any:
    body = {"name": "arm", "version": version, "size": 2, "sha256": SHA, "content_type": "application/json"}
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {world.issuer.token('acme')}"}
    return client.http.request("POST", "/recipes", headers=headers, body=json.dumps(body))


def ended(rid: str, how: str) -> Envelope:
    if how == "REJECTED":
        issue = ValidationIssue(code="bad_value", message="900 N·m is above max_force_n")
        return RecipeRejected(
            recipe_id=rid,
            tenant_id="acme",
            payload=RecipeRejectedPayload(stage="validation", issues=[issue], issue_count=1),
        )
    if how == "FAILED":
        payload = RecipeFailedPayload(stage="merge", reason="retries_exhausted", message="x")
        return RecipeFailed(recipe_id=rid, tenant_id="acme", payload=payload)
    artifact = ArtifactRef(bucket="a", key=f"artifacts/acme/arm/2.0.0/{rid}.zip", size_bytes=1, sha256="a" * 64)
    payload = RecipeDistributedPayload(
        artifact=artifact, download_path=f"/artifacts/acme/arm/2.0.0/{rid}.zip", pointer_path="/p"
    )
    return RecipeDistributed(recipe_id=rid, tenant_id="acme", payload=payload)


@pytest.mark.parametrize(("how", "free_again"), [("REJECTED", True), ("DISTRIBUTED", False), ("FAILED", False)])
def test_how_an_attempt_ended_decides_whether_its_version_is_free(
    client: Any, world: World, how: str, free_again: bool
) -> None:
    rid = json.loads(create(client, world, "2.0.0").body)["recipe_id"]
    recipe = world.store.recipes[rid]
    world.store.recipes[rid] = recipe.__class__(**{**recipe.__dict__, "status": Status.PROCESSING})
    response = client.lambda_.invoke("track_status", sqs_event([ended(rid, how)]))
    assert response.payload == {"batchItemFailures": []}
    assert world.store.recipes[rid].status.value == how

    again = create(client, world, "2.0.0")

    if free_again:
        assert again.status_code == 201, again.body
        assert json.loads(again.body)["recipe_id"] != rid
        assert world.store.recipes[rid].status.value == how  # the ended attempt stays visible
    else:
        assert again.status_code == 409
        assert json.loads(again.body)["error"]["code"] == "version_taken"


def test_an_aborted_attempt_gives_its_version_back_too(client: Any, world: World) -> None:
    rid = json.loads(create(client, world, "3.0.0").body)["recipe_id"]
    headers = {"Authorization": f"Bearer {world.issuer.token('acme')}"}
    assert client.http.request("POST", f"/recipes/{rid}/abort", headers=headers).status_code == 200
    assert create(client, world, "3.0.0").status_code == 201
