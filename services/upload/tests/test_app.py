"""The API and the handlers through Chalice's test client, with in-memory fakes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from app import app
from chalice.test import Client

from chalicelib.recipe import Status
from chalicelib.settings import MIB
from circulion.contracts import ArtifactRef, RecipeDistributed, RecipeDistributedPayload
from circulion.testing import sqs_event
from tests.conftest import World

SHA = hashlib.sha256(b"{}").hexdigest()


@pytest.fixture
def client(world: World) -> Any:
    with Client(app) as c:
        yield c


def call(
    client: Any,
    world: World,
    method: str,
    path: str,
    body: Any = None,
    tenant: str | None = "acme",
    headers: dict[str, str] | None = None,
) -> Any:
    h = {"Content-Type": "application/json", **(headers or {})}
    if tenant is not None:
        h["Authorization"] = f"Bearer {world.issuer.token(tenant)}"
    raw = body if isinstance(body, str) else (json.dumps(body) if body is not None else None)
    return client.http.request(method, path, headers=h, body=raw)


def create(client: Any, world: World, **overrides: Any) -> Any:
    body = {"name": "screws", "size": 2, "sha256": SHA, "content_type": "application/json", **overrides}
    return call(client, world, "POST", "/recipes", body)


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.body
    body = json.loads(response.body)
    assert set(body) == {"error"} and {"code", "message", "details"} <= set(body["error"])
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_health_needs_no_token(client: Any) -> None:
    r = client.http.get("/health")
    assert r.status_code == 200 and json.loads(r.body) == {"status": "ok"}


def test_create_small_recipe_gives_one_presigned_put(client: Any, world: World) -> None:
    r = create(client, world)
    assert r.status_code == 201
    body = json.loads(r.body)
    assert body["status"] == "AWAITING_UPLOAD" and body["version"] == "1.0.0"
    assert body["upload"]["method"] == "PUT" and body["upload"]["headers"]["Content-Type"] == "application/json"
    stored = world.store.recipes[body["recipe_id"]]
    assert stored.key == f"incoming/acme/{body['recipe_id']}"


def test_reupload_creates_next_version_and_explicit_taken_version_conflicts(client: Any, world: World) -> None:
    assert json.loads(create(client, world).body)["version"] == "1.0.0"
    assert json.loads(create(client, world).body)["version"] == "1.0.1"
    assert create(client, world, version="3.0.0").status_code == 201
    assert json.loads(create(client, world).body)["version"] == "3.0.1"
    assert_error(create(client, world, version="3.0.0"), 409, "version_taken")


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"name": "../etc"}, 400, "validation_failed"),
        ({"name": "a" * 129}, 400, "validation_failed"),
        ({"size": 0}, 400, "validation_failed"),
        ({"size": "12"}, 400, "validation_failed"),
        ({"sha256": "xyz"}, 400, "validation_failed"),
        ({"content_type": "text/plain"}, 400, "validation_failed"),
        ({"surprise": 1}, 400, "validation_failed"),
        ({"version": "1.0"}, 400, "validation_failed"),
        ({"size": 65 * MIB}, 413, "document_too_large"),
        ({"size": 51 * 1024 * MIB, "content_type": "application/x-ndjson"}, 413, "too_large"),
    ],
)
def test_bad_create_requests(client: Any, world: World, overrides: dict[str, Any], status: int, code: str) -> None:
    assert_error(create(client, world, **overrides), status, code)


def test_malformed_json_and_wrong_media_type_and_method(client: Any, world: World) -> None:
    assert_error(call(client, world, "POST", "/recipes", "{not json"), 400, "invalid_json")
    assert_error(call(client, world, "POST", "/recipes", "[]"), 400, "validation_failed")
    deep = "[" * 100_000 + "]" * 100_000  # a RecursionError in json.loads, once a 500
    assert_error(call(client, world, "POST", "/recipes", deep), 400, "invalid_json")
    assert_error(
        call(
            client,
            world,
            "POST",
            "/recipes",
            "",
        ),
        400,
        "invalid_json",
    )
    r = call(client, world, "POST", "/recipes", "x", headers={"Content-Type": "text/plain"})
    assert_error(r, 415)
    assert_error(call(client, world, "DELETE", "/recipes"), 405, "method_not_allowed")
    assert_error(call(client, world, "GET", "/nope/nothing/here"), 404, "not_found")


@pytest.mark.parametrize("token", [None, "Bearer", "Bearer abc.def.ghi", "Basic dXNlcjpwYXNz"])
def test_missing_or_malformed_token_is_401(client: Any, world: World, token: str | None) -> None:
    headers = {"Authorization": token} if token else {}
    r = client.http.get("/recipes", headers=headers)
    assert_error(r, 401)


def test_expired_forged_and_alg_none_tokens_are_401(client: Any, world: World) -> None:
    import jwt

    from tests.fakes import TestIssuer

    expired = world.issuer.token(ttl_s=-3600)
    forged = TestIssuer(kid=world.issuer.kid).token()  # same kid, another key
    unsigned = jwt.encode(
        {"custom:tenant": "acme", "sub": "x", "iss": "http://issuer.test", "exp": 9999999999}, None, algorithm="none"
    )
    wrong_aud = world.issuer.token(aud="someone-else")
    for token, code in [
        (expired, "token_expired"),
        (forged, "invalid_token"),
        (unsigned, "invalid_token"),
        (wrong_aud, "invalid_token"),
    ]:
        r = client.http.get("/recipes", headers={"Authorization": f"Bearer {token}"})
        assert_error(r, 401, code)


def test_other_tenant_gets_404(client: Any, world: World) -> None:
    recipe_id = json.loads(create(client, world).body)["recipe_id"]
    assert call(client, world, "GET", f"/recipes/{recipe_id}").status_code == 200
    for path in ("", "/parts", "/download"):
        assert_error(call(client, world, "GET", f"/recipes/{recipe_id}{path}", tenant="other"), 404, "not_found")
    assert_error(call(client, world, "POST", f"/recipes/{recipe_id}/abort", tenant="other"), 404)


def test_multipart_flow_parts_complete_twice_and_missing_parts(client: Any, world: World) -> None:
    size = 12 * MIB
    r = create(client, world, size=size, content_type="application/x-ndjson")
    body = json.loads(r.body)
    mp = body["upload"]["multipart"]
    assert mp["part_count"] == 3 and mp["part_size"] == 5 * MIB
    rid = body["recipe_id"]
    parts = json.loads(call(client, world, "GET", f"/recipes/{rid}/parts?first=2&count=5").body)["parts"]
    assert [p["part_number"] for p in parts] == [2, 3]
    assert_error(call(client, world, "GET", f"/recipes/{rid}/parts?first=4"), 400, "invalid_part_range")
    assert_error(call(client, world, "GET", f"/recipes/{rid}/parts?first=x"), 400)
    listing = [{"part_number": n, "etag": "e"} for n in (1, 2, 3)]
    world.objects.upload_part("b", "k", mp["upload_id"], 1, b"a" * 10)
    r = call(client, world, "POST", f"/recipes/{rid}/complete", {"parts": listing})
    assert assert_error(r, 409, "parts_missing")["details"] == {"missing_part_numbers": [2, 3]}
    assert_error(call(client, world, "POST", f"/recipes/{rid}/complete", {"parts": listing[:2]}), 400, "invalid_parts")
    for n in (2, 3):
        world.objects.upload_part("b", "k", mp["upload_id"], n, b"b" * 10)
    first = call(client, world, "POST", f"/recipes/{rid}/complete", {"parts": listing})
    again = call(client, world, "POST", f"/recipes/{rid}/complete", {"parts": listing})
    assert first.status_code == again.status_code == 200
    assert world.store.recipes[rid].upload_completed
    assert_error(call(client, world, "POST", f"/recipes/{rid}/abort"), 409, "not_abortable")


def test_abort_releases_the_version(client: Any, world: World) -> None:
    rid = json.loads(create(client, world, version="2.0.0").body)["recipe_id"]
    r = call(client, world, "POST", f"/recipes/{rid}/abort")
    assert r.status_code == 200 and json.loads(r.body)["status"] == "ABORTED"
    assert create(client, world, version="2.0.0").status_code == 201


def test_list_newest_first_with_filters_and_cursor(client: Any, world: World) -> None:
    ids = [json.loads(create(client, world, name=f"n{i % 2}").body)["recipe_id"] for i in range(5)]
    create(client, world, name="mine") and call(client, world, "POST", "/recipes", None, tenant="other")
    page = json.loads(call(client, world, "GET", "/recipes?limit=2").body)
    seen = [r["recipe_id"] for r in page["recipes"]]
    while page["cursor"]:
        page = json.loads(call(client, world, "GET", f"/recipes?limit=2&cursor={page['cursor']}").body)
        seen += [r["recipe_id"] for r in page["recipes"]]
    assert len(seen) == 6 and seen[1:] == list(reversed(ids))
    named = json.loads(call(client, world, "GET", "/recipes?name=n0").body)["recipes"]
    assert {r["recipe_id"] for r in named} == {ids[0], ids[2], ids[4]}
    assert json.loads(call(client, world, "GET", "/recipes?status=DISTRIBUTED").body)["recipes"] == []
    assert_error(call(client, world, "GET", "/recipes?status=NOPE"), 400)
    assert_error(call(client, world, "GET", "/recipes?cursor=garbage"), 400, "invalid_cursor")
    assert_error(call(client, world, "GET", "/recipes?limit=0"), 400)
    other = json.loads(call(client, world, "GET", "/recipes?limit=1", tenant="acme").body)["cursor"]
    assert_error(call(client, world, "GET", f"/recipes?cursor={other}", tenant="other"), 400, "invalid_cursor")


def test_download_is_409_until_distributed_then_signed(client: Any, world: World) -> None:
    rid = json.loads(create(client, world).body)["recipe_id"]
    assert_error(call(client, world, "GET", f"/recipes/{rid}/download"), 409, "not_distributed")
    recipe = world.store.recipes[rid]
    world.store.recipes[rid] = recipe.__class__(**{**recipe.__dict__, "status": Status.PROCESSING})
    artifact = ArtifactRef(
        bucket="circulion-artifacts", key=f"artifacts/acme/screws/1.0.0/{rid}.zip", size_bytes=10, sha256="a" * 64
    )
    event = RecipeDistributed(
        recipe_id=rid,
        tenant_id="acme",
        payload=RecipeDistributedPayload(
            artifact=artifact,
            download_path=f"/artifacts/acme/screws/1.0.0/{rid}.zip",
            pointer_path="/artifacts/acme/screws/latest.json",
        ),
    )
    with Client(app) as c:
        response = c.lambda_.invoke("track_status", sqs_event([event]))
    assert response.payload == {"batchItemFailures": []}
    r = call(client, world, "GET", f"/recipes/{rid}/download")
    assert r.status_code == 200
    body = json.loads(r.body)
    assert body["url"].startswith(f"https://cdn.test/artifacts/acme/screws/1.0.0/{rid}.zip?Expires=")
    assert body["sha256"] == "a" * 64 and body["size"] == 10


def test_the_files_own_name_is_kept_and_must_be_a_plain_file_name(client: Any, world: World) -> None:
    r = create(client, world, file_name="bad.recipe")
    assert r.status_code == 201
    assert world.store.recipes[json.loads(r.body)["recipe_id"]].file_name == "bad.recipe"
    for bad in ("../x", "dir/x", "a\\b", "..", "a\nb", ""):
        assert_error(create(client, world, file_name=bad), 400, "validation_failed")


def test_download_of_a_rejected_recipe_does_not_say_not_yet(client: Any, world: World) -> None:
    rid = json.loads(create(client, world).body)["recipe_id"]
    waiting = assert_error(call(client, world, "GET", f"/recipes/{rid}/download"), 409, "not_distributed")
    assert waiting["message"] == "the recipe is AWAITING_UPLOAD, not DISTRIBUTED yet"
    recipe = world.store.recipes[rid]
    world.store.recipes[rid] = recipe.__class__(**{**recipe.__dict__, "status": Status.REJECTED})
    rejected = assert_error(call(client, world, "GET", f"/recipes/{rid}/download"), 409, "not_distributed")
    assert rejected["message"] == "the recipe is REJECTED and will not be distributed"


def test_openapi_documents_every_error_status_the_name_rule_and_the_size_limit(client: Any) -> None:
    doc = json.loads(client.http.get("/openapi.json").body)
    create_op = doc["paths"]["/recipes"]["post"]["responses"]
    assert {"400", "401", "405", "409", "413", "415"} <= set(create_op)
    assert {"405", "415"} <= set(doc["paths"]["/recipes/{recipe_id}/complete"]["post"]["responses"])
    assert "405" in doc["paths"]["/recipes/{recipe_id}"]["get"]["responses"]
    fields = doc["components"]["schemas"]["CreateRecipe"]["properties"]
    assert fields["name"]["pattern"].startswith("^[A-Za-z0-9]")
    assert fields["size"]["maximum"] == 50 * 1024 * MIB
    assert "64 MiB" in fields["size"]["description"]


def test_openapi_document_is_openapi_3(client: Any) -> None:
    doc = json.loads(client.http.get("/openapi.json").body)
    assert doc["openapi"].startswith("3.")
    assert {
        "/recipes",
        "/recipes/{recipe_id}",
        "/recipes/{recipe_id}/parts",
        "/recipes/{recipe_id}/complete",
        "/recipes/{recipe_id}/abort",
        "/recipes/{recipe_id}/download",
        "/health",
    } <= set(doc["paths"])
    assert "CreateRecipe" in doc["components"]["schemas"]
    assert doc["components"]["schemas"]["CreateRecipe"]["additionalProperties"] is False
