"""The upload service against the running local stack (issue 3, "Done when")."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from typing import Any

import jwt
import pytest
from api import UploadApi, dev_token, http
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from support import Stack

from circulion.recipes import examples
from circulion.settings import RESOURCES

pytestmark = pytest.mark.stack

MIB = 1024 * 1024
PROGRESSED = {"VALIDATING", "PROCESSING", "MERGING", "DISTRIBUTING", "DISTRIBUTED"}
FUZZ_EXAMPLES = int(os.environ.get("CIRCULION_FUZZ_EXAMPLES", "15"))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def acme(stack: Stack) -> UploadApi:
    return UploadApi.for_tenant(stack.ports, unique("acme"))


def valid_stream(size: int) -> bytes:
    """A valid recipe stream of about ``size`` bytes, so processing carries on past validation."""
    out = bytearray()
    for line in examples.stream_lines(size // 100):
        out += line
        if len(out) >= size:
            break
    return bytes(out)


def s3(stack: Stack) -> Any:
    # Stack.client is functools.cache'd on an unhashable dataclass (fails today): own client.
    import boto3
    from botocore.config import Config

    from circulion_local.ports import LOCAL_ACCESS_KEY, LOCAL_REGION, LOCAL_SECRET_KEY

    return boto3.client(
        "s3",
        endpoint_url=stack.ports.endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=LOCAL_ACCESS_KEY,
        aws_secret_access_key=LOCAL_SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}),
    )


def object_tags(stack: Stack, key: str) -> dict[str, str]:
    tags = s3(stack).get_object_tagging(Bucket=RESOURCES.uploads_bucket, Key=key)["TagSet"]
    return {t["Key"]: t["Value"] for t in tags}


def test_health_and_openapi_need_no_token(stack: Stack) -> None:
    assert http("GET", f"{stack.ports.api_url}/health").body == {"status": "ok"}
    doc = http("GET", f"{stack.ports.api_url}/openapi.json").body
    assert doc["openapi"].startswith("3.") and "/recipes/{recipe_id}/download" in doc["paths"]


def test_small_upload_through_a_presigned_put_reaches_validation(stack: Stack, acme: UploadApi) -> None:
    # A valid recipe: placeholder records would be rejected downstream, possibly before a
    # poll sees any state in between (the pipeline takes well under a second now).
    data = valid_stream(2_000)
    recipe_id = acme.upload_recipe(unique("small"), data, "application/x-ndjson")
    recipe = acme.wait_for_status(recipe_id, PROGRESSED, timeout=60, fail=pytest.fail)
    assert recipe["size"] == len(data) and recipe["sha256"] == hashlib.sha256(data).hexdigest()


def test_multipart_upload_of_three_parts_reaches_validation(stack: Stack, acme: UploadApi) -> None:
    data = valid_stream(11 * MIB)  # ~11 MiB: 3 parts of 5 MiB on the local stage
    created = acme.create(unique("big"), data, "application/x-ndjson")
    assert created.status == 201, created.body
    multipart = created.body["upload"]["multipart"]
    assert multipart["part_count"] >= 3
    acme.send_bytes(created.body, data)
    recipe_id = created.body["recipe_id"]
    acme.wait_for_status(recipe_id, PROGRESSED, timeout=90, fail=pytest.fail)
    # Completing again is idempotent.
    parts = [{"part_number": n, "etag": "x"} for n in range(1, multipart["part_count"] + 1)]
    assert acme.request("POST", f"/recipes/{recipe_id}/complete", {"parts": parts}).status == 200
    head = s3(stack).head_object(Bucket=RESOURCES.uploads_bucket, Key=f"incoming/{_tenant(acme)}/{recipe_id}")
    assert head["ContentLength"] == len(data)


def _tenant(api: UploadApi) -> str:
    return str(jwt.decode(api.token or "", options={"verify_signature": False})["custom:tenant"])


@pytest.mark.parametrize(
    ("declared", "reason"),
    [({"size": 10}, "size_mismatch"), ({"sha256": "0" * 64}, "checksum_mismatch")],
)
def test_mismatches_are_rejected_with_reasons_and_the_object_is_kept(
    stack: Stack, acme: UploadApi, declared: dict[str, Any], reason: str
) -> None:
    data = b"\x00\x01 asset bytes " * 5
    created = acme.create(unique("bad"), data, "application/octet-stream", **declared)
    assert created.status == 201, created.body
    acme.send_bytes(created.body, data)
    recipe_id = created.body["recipe_id"]
    recipe = acme.wait_for_status(recipe_id, {"REJECTED", "FAILED"}, timeout=60, fail=pytest.fail)
    assert recipe["status"] == "REJECTED"
    assert reason in [e["code"] for e in recipe["errors"]]
    key = f"incoming/{_tenant(acme)}/{recipe_id}"
    assert s3(stack).head_object(Bucket=RESOURCES.uploads_bucket, Key=key)["ContentLength"] == len(data)
    assert object_tags(stack, key)["circulion-status"] == "rejected"


def test_another_tenant_gets_404(stack: Stack, acme: UploadApi) -> None:
    created = acme.create(unique("private"), b"{}", "application/json")
    recipe_id = created.body["recipe_id"]
    intruder = UploadApi.for_tenant(stack.ports, unique("intruder"))
    for method, path in [("GET", ""), ("GET", "/parts"), ("GET", "/download"), ("POST", "/abort")]:
        got = intruder.request(method, f"/recipes/{recipe_id}{path}")
        assert (got.status, got.error_code) == (404, "not_found"), (path, got.body)
    assert recipe_id not in json.dumps(intruder.request("GET", "/recipes").body)
    assert acme.request("GET", f"/recipes/{recipe_id}").status == 200


def test_missing_expired_and_forged_tokens_get_401(stack: Stack) -> None:
    url = stack.ports.api_url
    kid = http("GET", f"{stack.ports.issuer_url}/.well-known/jwks.json").body["keys"][0]["kid"]
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {
        "iss": stack.ports.issuer_url,
        "aud": "circulion-local",
        "sub": "x",
        "custom:tenant": "acme",
        "exp": 4102444800,
    }
    forged = jwt.encode(claims, own_key, algorithm="RS256", headers={"kid": kid})
    unsigned = jwt.encode(claims, None, algorithm="none")
    tokens = {
        "missing": None,
        "expired": dev_token(stack.ports, "acme", ttl_s=-120),
        "forged": forged,
        "alg-none": unsigned,
        "garbage": "not-a-jwt",
    }
    for label, token in tokens.items():
        got = UploadApi(url, token).request("GET", "/recipes")
        assert got.status == 401, (label, got.body)
        assert got.error_code in {"missing_token", "token_expired", "invalid_token"}, (label, got.body)


def test_fuzz_against_openapi_finds_no_server_errors(stack: Stack, acme: UploadApi) -> None:
    import schemathesis

    document = http("GET", f"{stack.ports.api_url}/openapi.json").body
    schema = schemathesis.openapi.from_dict(document)
    headers = {"Authorization": f"Bearer {acme.token}"}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case: Any) -> None:
            response = case.call(base_url=stack.ports.api_url, headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")
            body = response.json() if response.text else None
            if response.status_code >= 400:
                assert isinstance(body, dict) and set(body) == {"error"}, (case.method, case.formatted_path, body)

        exercise()
    assert failures == []
