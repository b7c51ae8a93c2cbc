"""The fleet routes through Chalice's test client: roles, names, latest, withdraw and restore."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from app import app
from chalice.test import Client
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.deps import Deps
from circulion.cdn_signing import CdnUrlSigner, CdnUrlVerifier
from circulion.contracts import (
    ArtifactRef,
    RecipeDistributed,
    RecipeDistributedPayload,
    RecipeRestoreRequested,
    RecipeWithdrawalRequested,
)
from circulion.testing import sqs_event
from tests.conftest import World

SHA = hashlib.sha256(b"{}").hexdigest()


@functools.cache
def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def client(world: World, wire: Callable[[Deps], Deps]) -> Any:
    pem = _key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = CdnUrlSigner("KTEST", pem.decode())
    wire(replace(world.deps, signer=lambda: signer))
    with Client(app) as c:
        yield c


def call(
    client: Any,
    world: World,
    method: str,
    path: str,
    body: Any = None,
    *,
    tenant: str = "acme",
    role: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    claims = {"cognito:groups": [role]} if role else {}
    h = {"Content-Type": "application/json", "Authorization": f"Bearer {world.issuer.token(tenant, **claims)}"}
    return client.http.request(method, path, headers={**h, **(headers or {})}, body=json.dumps(body) if body else None)


def distributed(client: Any, world: World, version: str, name: str = "cell-a", tenant: str = "acme") -> str:
    r = call(
        client,
        world,
        "POST",
        "/recipes",
        {"name": name, "version": version, "size": 2, "sha256": SHA, "content_type": "application/json"},
        tenant=tenant,
    )
    assert r.status_code == 201, r.body
    rid = str(json.loads(r.body)["recipe_id"])
    announce(client, rid, version, name, tenant)
    return rid


def announce(client: Any, rid: str, version: str, name: str = "cell-a", tenant: str = "acme") -> None:
    key = f"artifacts/{tenant}/{name}/{version}/{rid}.zip"
    event = RecipeDistributed(
        recipe_id=rid,
        tenant_id=tenant,
        payload=RecipeDistributedPayload(
            artifact=ArtifactRef(bucket="circulion-artifacts", key=key, size_bytes=10, sha256=version[0] * 64),
            download_path="/" + key,
            pointer_path=f"/artifacts/{tenant}/{name}/latest.json",
        ),
    )
    assert client.lambda_.invoke("track_status", sqs_event([event])).payload == {"batchItemFailures": []}


def error_code(response: Any) -> str:
    return str(json.loads(response.body)["error"]["code"])


def test_a_robot_reads_names_but_cannot_create_complete_abort_or_withdraw(client: Any, world: World) -> None:
    rid = distributed(client, world, "1.0.0")
    assert call(client, world, "GET", "/names", role="robot").status_code == 200
    assert call(client, world, "GET", "/names/cell-a", role="robot").status_code == 200
    for method, path, body in [
        ("POST", "/recipes", {"name": "x", "size": 2, "sha256": SHA, "content_type": "application/json"}),
        ("POST", f"/recipes/{rid}/complete", {"parts": []}),
        ("POST", f"/recipes/{rid}/abort", None),
        ("POST", f"/recipes/{rid}/withdraw", {"reason": "r"}),
        ("GET", f"/recipes/{rid}/download", None),
    ]:
        r = call(client, world, method, path, body, role="robot")
        assert r.status_code == 403, (path, r.body)
        error = json.loads(r.body)["error"]
        assert error["code"] == "forbidden" and error["details"]["roles"] == ["robot"]
    assert (
        json.loads(call(client, world, "POST", f"/recipes/{rid}/withdraw", {"reason": "r"}, role="robot").body)[
            "error"
        ]["details"]["required_role"]
        == "admin"
    )


def test_an_uploader_cannot_withdraw(client: Any, world: World) -> None:
    rid = distributed(client, world, "1.0.0")
    r = call(client, world, "POST", f"/recipes/{rid}/withdraw", {"reason": "r"})
    assert r.status_code == 403 and json.loads(r.body)["error"]["details"]["required_role"] == "admin"


def test_names_list_their_live_version(client: Any, world: World) -> None:
    distributed(client, world, "1.0.0")
    distributed(client, world, "1.2.0")
    distributed(client, world, "1.0.0", name="cell-b")
    body = json.loads(call(client, world, "GET", "/names?limit=1", role="robot").body)
    assert [n["name"] for n in body["names"]] == ["cell-a"] and body["names"][0]["live"]["version"] == "1.2.0"
    page2 = json.loads(call(client, world, "GET", f"/names?limit=1&cursor={body['cursor']}", role="robot").body)
    assert [n["name"] for n in page2["names"]] == ["cell-b"] and page2["cursor"] is None


def test_latest_is_the_highest_live_version_with_an_edge_credential(client: Any, world: World) -> None:
    distributed(client, world, "1.0.0")
    rid = distributed(client, world, "1.10.0")
    distributed(client, world, "1.9.0")
    r = call(client, world, "GET", "/names/cell-a/latest", role="robot")
    assert r.status_code == 200, r.body
    body = json.loads(r.body)
    assert (body["version"], body["recipe_id"]) == ("1.10.0", rid)
    assert r.headers["ETag"] == f'"{body["sha256"]}"'
    edge = body["edge"]
    assert edge["resource"] == "https://cdn.test/artifacts/acme/cell-a/*"
    assert set(edge["cookies"]) == {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
    pem = _key().public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    verified = CdnUrlVerifier({"KTEST": pem.decode()}).verify(edge["pointer_url"], world.deps.clock())
    assert verified.resource == "https://cdn.test/artifacts/acme/cell-a/latest.json"


def test_if_none_match_with_the_live_sha256_is_304(client: Any, world: World) -> None:
    distributed(client, world, "1.0.0")
    etag = call(client, world, "GET", "/names/cell-a/latest", role="robot").headers["ETag"]
    r = call(client, world, "GET", "/names/cell-a/latest", role="robot", headers={"If-None-Match": etag})
    assert r.status_code == 304 and not r.body and r.headers["ETag"] == etag
    other = call(client, world, "GET", "/names/cell-a/latest", role="robot", headers={"If-None-Match": '"abc"'})
    assert other.status_code == 200


def test_another_tenants_name_is_404(client: Any, world: World) -> None:
    distributed(client, world, "1.0.0")
    for path in ("/names/cell-a", "/names/cell-a/latest"):
        r = call(client, world, "GET", path, tenant="globex", role="robot")
        assert r.status_code == 404 and error_code(r) == "not_found"
    assert json.loads(call(client, world, "GET", "/names", tenant="globex", role="robot").body)["names"] == []


def test_withdraw_moves_latest_back_and_download_is_410(client: Any, world: World) -> None:
    distributed(client, world, "1.0.0")
    rid = distributed(client, world, "1.1.0")
    r = call(client, world, "POST", f"/recipes/{rid}/withdraw", {"reason": "unsafe torque"}, role="admin")
    assert r.status_code == 202, r.body
    view = json.loads(r.body)
    assert view["status"] == "WITHDRAWN" and view["withdrawn"]["reason"] == "unsafe torque"
    assert view["withdrawn"]["by"] == "user-acme"
    commands = [e for e in world.bus.events if isinstance(e, RecipeWithdrawalRequested)]
    assert [(c.recipe_id, c.payload.sequence) for c in commands] == [(rid, 1)]
    assert json.loads(call(client, world, "GET", "/names/cell-a/latest", role="robot").body)["version"] == "1.0.0"
    download = call(client, world, "GET", f"/recipes/{rid}/download")
    assert download.status_code == 410 and error_code(download) == "withdrawn"
    versions = json.loads(call(client, world, "GET", "/names/cell-a", role="robot").body)["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [("1.1.0", "WITHDRAWN"), ("1.0.0", "DISTRIBUTED")]
    assert versions[0]["withdrawn"]["reason"] == "unsafe torque"


def test_withdrawing_twice_changes_nothing_but_resends_the_command(client: Any, world: World) -> None:
    rid = distributed(client, world, "1.0.0")
    first = json.loads(call(client, world, "POST", f"/recipes/{rid}/withdraw", {"reason": "a"}, role="admin").body)
    second = call(client, world, "POST", f"/recipes/{rid}/withdraw", {"reason": "b"}, role="admin")
    assert second.status_code == 202 and json.loads(second.body)["withdrawn"] == first["withdrawn"]
    commands = [e for e in world.bus.events if isinstance(e, RecipeWithdrawalRequested)]
    assert [c.payload.sequence for c in commands] == [1, 1]
    r = call(client, world, "GET", "/names/cell-a/latest", role="robot")
    assert r.status_code == 404 and error_code(r) == "no_live_version"


def test_a_late_distributed_event_does_not_undo_a_withdrawal(client: Any, world: World) -> None:
    rid = distributed(client, world, "1.0.0")
    call(client, world, "POST", f"/recipes/{rid}/withdraw", {"reason": "a"}, role="admin")
    announce(client, rid, "1.0.0")  # redelivered
    assert world.store.recipes[rid].status.value == "WITHDRAWN"
    assert call(client, world, "GET", "/names/cell-a/latest", role="robot").status_code == 404


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 501}, {"reason": 5}])
def test_withdraw_needs_a_reason(client: Any, world: World, body: dict[str, Any]) -> None:
    rid = distributed(client, world, "1.0.0")
    r = client.http.request(
        "POST",
        f"/recipes/{rid}/withdraw",
        body=json.dumps(body),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {world.issuer.token('acme', **{'cognito:groups': ['admin']})}",
        },
    )
    assert r.status_code == 400, r.body


def test_only_a_distributed_recipe_can_be_withdrawn(client: Any, world: World) -> None:
    r = call(
        client, world, "POST", "/recipes", {"name": "x", "size": 2, "sha256": SHA, "content_type": "application/json"}
    )
    rid = json.loads(r.body)["recipe_id"]
    r = call(client, world, "POST", f"/recipes/{rid}/withdraw", {"reason": "a"}, role="admin")
    assert r.status_code == 409 and error_code(r) == "not_distributed"
    r = call(client, world, "POST", f"/recipes/{rid}/restore", role="admin")
    assert r.status_code == 409 and error_code(r) == "not_withdrawn"


def test_restore_brings_the_version_back(client: Any, world: World) -> None:
    distributed(client, world, "1.0.0")
    rid = distributed(client, world, "1.1.0")
    call(client, world, "POST", f"/recipes/{rid}/withdraw", {"reason": "a"}, role="admin")
    r = call(client, world, "POST", f"/recipes/{rid}/restore", role="admin")
    assert r.status_code == 202, r.body
    view = json.loads(r.body)
    assert view["status"] == "DISTRIBUTED" and view["withdrawn"] is None and view["restored"]["by"] == "user-acme"
    assert json.loads(call(client, world, "GET", "/names/cell-a/latest", role="robot").body)["version"] == "1.1.0"
    restores = [e for e in world.bus.events if isinstance(e, RecipeRestoreRequested)]
    assert [c.payload.sequence for c in restores] == [2]
    assert call(client, world, "POST", f"/recipes/{rid}/restore", role="admin").status_code == 202
    assert call(client, world, "GET", f"/recipes/{rid}/download").status_code == 200


def test_openapi_documents_the_fleet_routes(client: Any) -> None:
    doc = json.loads(client.http.get("/openapi.json").body)
    paths = doc["paths"]
    assert {
        "/names",
        "/names/{name}",
        "/names/{name}/latest",
        "/recipes/{recipe_id}/withdraw",
        "/recipes/{recipe_id}/restore",
    } <= set(paths)
    assert {"200", "304", "403", "404"} <= set(paths["/names/{name}/latest"]["get"]["responses"])
    assert "202" in paths["/recipes/{recipe_id}/withdraw"]["post"]["responses"]
    assert "410" in paths["/recipes/{recipe_id}/download"]["get"]["responses"]
    assert {"Latest", "NameView", "NameList", "WithdrawRecipe"} <= set(doc["components"]["schemas"])
    assert "403" in paths["/recipes"]["post"]["responses"] and "403" not in paths["/health"]["get"]["responses"]
