"""Fleet distribution, server side, against the running stack: roles, names, the edge
credential, withdraw and restore (issue 17's "Done when" 3 (API part), 4 and 5).

The local edge's cache and the CLI's ``pull`` are exercised by their own tests; here the
robot's side is plain HTTP: the API once, then the pointer at the edge with the credential.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from api import ApiResponse, UploadApi, http

from circulion.contracts import ArtifactRef, RecipeDescription, RecipeMerged, RecipeMergedPayload
from circulion.settings import RESOURCES

if TYPE_CHECKING:
    from support import Stack

pytestmark = pytest.mark.stack

WAIT_S = 120.0
NAME = "cell-a"


def token(stack: Stack, tenant: str, role: str) -> str:
    body = json.dumps({"tenant": tenant, "role": role}).encode()
    got = http("POST", f"{stack.ports.issuer_url}/dev-tokens", body, {"Content-Type": "application/json"})
    assert got.status == 200, got.body
    return str(got.body["token"])


@dataclass
class Fleet:
    tenant: str
    uploader: UploadApi
    robot: UploadApi
    admin: UploadApi
    other_robot: UploadApi
    v1: str
    v2: str


def _distributed(stack: Stack, api: UploadApi, version: str) -> str:
    data = os.urandom(4096) + version.encode()
    recipe_id = api.upload_recipe(NAME, data, "application/octet-stream", version=version)
    api.wait_for_status(recipe_id, {"DISTRIBUTED"}, WAIT_S, fail=pytest.fail)
    return recipe_id


@pytest.fixture(scope="module")
def fleet(stack: Stack) -> Fleet:
    tenant = f"fleet-{uuid.uuid4().hex[:8]}"
    api = lambda role, t=tenant: UploadApi(stack.ports.api_url, token(stack, t, role))  # noqa: E731
    uploader = api("uploader")
    v1 = _distributed(stack, uploader, "1.0.0")
    v2 = _distributed(stack, uploader, "1.1.0")
    return Fleet(tenant, uploader, api("robot"), api("admin"), api("robot", f"other-{tenant}"), v1, v2)


def latest(fleet: Fleet) -> ApiResponse:
    return fleet.robot.request("GET", f"/names/{NAME}/latest")


def edge_pointer(url: str) -> tuple[int, Any]:
    got = http("GET", url)
    return got.status, got.body


def wait_for_edge_version(stack: Stack, pointer_url: str, version: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        status, body = edge_pointer(pointer_url)
        return body if status == 200 and isinstance(body, dict) and body.get("version") == version else None

    return stack.wait_until(check, WAIT_S, message=f"the edge's pointer names {version}")


def test_a_robot_reads_the_live_version_and_polls_the_pointer_at_the_edge(stack: Stack, fleet: Fleet) -> None:
    got = latest(fleet)
    assert got.status == 200, got.body
    assert (got.body["version"], got.body["recipe_id"]) == ("1.1.0", fleet.v2)
    assert got.headers["ETag"] == f'"{got.body["sha256"]}"'
    archive = http("GET", got.body["url"])
    assert archive.status == 200
    edge = got.body["edge"]
    pointer = wait_for_edge_version(stack, edge["pointer_url"], "1.1.0")
    assert pointer["sha256"] == got.body["sha256"] and pointer["recipe_id"] == fleet.v2
    # The one credential also fetches the archive the pointer names, query form and cookie form.
    with urllib.request.urlopen(f"{stack.ports.edge_url}{pointer['path']}?{edge['query']}", timeout=30) as r:
        assert hashlib.sha256(r.read()).hexdigest() == pointer["sha256"]

    def listed() -> list[Any] | None:
        names = fleet.robot.request("GET", "/names").body["names"]
        return names if names and names[0]["live"] and names[0]["live"]["version"] == "1.1.0" else None

    assert [n["name"] for n in stack.wait_until(listed, 30, message="GET /names lists 1.1.0")] == [NAME]
    versions = fleet.robot.request("GET", f"/names/{NAME}").body["versions"]
    assert [v["version"] for v in versions] == ["1.1.0", "1.0.0"]


def test_a_robot_is_forbidden_to_write_and_another_tenant_sees_nothing(stack: Stack, fleet: Fleet) -> None:
    robot = fleet.robot
    attempts = [
        robot.create("x", b"{}", "application/json"),
        robot.request("POST", f"/recipes/{fleet.v1}/complete", {"parts": []}),
        robot.request("POST", f"/recipes/{fleet.v1}/abort"),
        robot.request("POST", f"/recipes/{fleet.v1}/withdraw", {"reason": "no"}),
    ]
    for got in attempts:
        assert (got.status, got.error_code) == (403, "forbidden"), got.body
        assert got.body["error"]["details"]["roles"] == ["robot"]
    assert attempts[-1].body["error"]["details"]["required_role"] == "admin"
    for path in (f"/names/{NAME}", f"/names/{NAME}/latest"):
        got = fleet.other_robot.request("GET", path)
        assert (got.status, got.error_code) == (404, "not_found"), got.body
    # The first tenant's credential, with the path edited to another tenant's prefix: refused at the edge.
    pointer_url = latest(fleet).body["edge"]["pointer_url"]
    edited = pointer_url.replace(f"/artifacts/{fleet.tenant}/", f"/artifacts/other-{fleet.tenant}/")
    assert edited != pointer_url and http("GET", edited).status == 403


def test_if_none_match_with_the_live_sha256_is_304(fleet: Fleet) -> None:
    etag = latest(fleet).headers["ETag"]
    got = fleet.robot.request("GET", f"/names/{NAME}/latest", headers={"If-None-Match": etag})
    assert got.status == 304 and not got.body
    assert fleet.robot.request("GET", f"/names/{NAME}/latest", headers={"If-None-Match": '"0"'}).status == 200


def _merged_again(fleet: Fleet, recipe_id: str) -> RecipeMerged:
    """The ``recipe.merged`` the merger emitted for ``recipe_id``, rebuilt for a redelivery."""
    recipe = fleet.uploader.recipe(recipe_id)
    artifact = recipe["artifact"]
    return RecipeMerged(
        recipe_id=recipe_id,
        tenant_id=fleet.tenant,
        payload=RecipeMergedPayload(
            recipe=RecipeDescription(
                name=NAME,
                version=recipe["version"],
                content_type=recipe["content_type"],
                size_bytes=recipe["size"],
                sha256=recipe["sha256"],
            ),
            kind="asset",
            artifact=ArtifactRef(
                bucket=RESOURCES.artifacts_bucket,
                key=artifact["download_path"].lstrip("/"),
                size_bytes=artifact["size"],
                sha256=artifact["sha256"],
            ),
            record_count=0,
            total_chunks=1,
        ),
    )


def test_withdraw_then_restore(stack: Stack, fleet: Fleet) -> None:
    pointer_url = latest(fleet).body["edge"]["pointer_url"]
    withdrawn_probe = stack.probe_queue(["recipe.withdrawn", "recipe.restored"])
    uploader_try = fleet.uploader.request("POST", f"/recipes/{fleet.v2}/withdraw", {"reason": "x"})
    assert (uploader_try.status, uploader_try.body["error"]["details"]["required_role"]) == (403, "admin")

    got = fleet.admin.request("POST", f"/recipes/{fleet.v2}/withdraw", {"reason": "torque limit exceeded"})
    assert got.status == 202, got.body
    assert got.body["status"] == "WITHDRAWN" and got.body["withdrawn"]["reason"] == "torque limit exceeded"
    assert fleet.admin.request("POST", f"/recipes/{fleet.v2}/withdraw", {"reason": "again"}).status == 202

    assert latest(fleet).body["version"] == "1.0.0"
    download = fleet.uploader.request("GET", f"/recipes/{fleet.v2}/download")
    assert (download.status, download.error_code) == (410, "withdrawn")
    wait_for_edge_version(stack, pointer_url, "1.0.0")
    events = stack.wait_until(
        lambda: [json.loads(m["Body"]) for m in stack.receive_all(withdrawn_probe, 2)],
        WAIT_S,
        message="recipe.withdrawn",
    )
    assert events[0]["type"] == "recipe.withdrawn" and events[0]["payload"]["live_version"] == "1.0.0"
    not_distributed = fleet.admin.request("POST", f"/recipes/{fleet.v2}/withdraw", {})
    assert not_distributed.status == 400  # a reason is required

    # A late, redelivered recipe.merged of the withdrawn version must not bring it back.
    marker_api = fleet.uploader
    stack.publish_event(_merged_again(fleet, fleet.v2))
    marker = _distributed(stack, marker_api, "1.0.1")  # the distributor has consumed past the redelivery
    assert marker
    status, body = edge_pointer(pointer_url)
    assert status == 200 and body["version"] == "1.0.1"  # the newer upload took it, 1.1.0 did not
    assert fleet.uploader.recipe(fleet.v2)["status"] == "WITHDRAWN"
    assert latest(fleet).body["version"] == "1.0.1"

    restored = fleet.admin.request("POST", f"/recipes/{fleet.v2}/restore")
    assert restored.status == 202 and restored.body["status"] == "DISTRIBUTED", restored.body
    assert latest(fleet).body["version"] == "1.1.0"
    wait_for_edge_version(stack, pointer_url, "1.1.0")
    assert fleet.uploader.request("GET", f"/recipes/{fleet.v2}/download").status == 200
    versions = fleet.robot.request("GET", f"/names/{NAME}").body["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [
        ("1.1.0", "DISTRIBUTED"),
        ("1.0.1", "DISTRIBUTED"),
        ("1.0.0", "DISTRIBUTED"),
    ]
