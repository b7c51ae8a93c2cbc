"""The distributor and the edge against the running local stack.

Archives are put into the artifacts bucket by the test (the merger is not needed) and
``recipe.merged`` is published on the bus; ``recipe.distributed`` is observed through a
probe queue subscribed to the events topic. Each test uses its own tenant, so tests never
see each other's pointers or invalidations.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import urllib.error
import urllib.request
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from circulion.cdn_signing import CdnUrlSigner, load_signer
from circulion.contracts.events import ArtifactRef, RecipeDescription, RecipeMerged, RecipeMergedPayload
from circulion.settings import RESOURCES

if TYPE_CHECKING:
    from support import Stack

pytestmark = pytest.mark.stack

WAIT_S = 120.0
THROTTLE_FAULT_KEY = {"pk": {"S": "fault#cdn-throttle"}, "sk": {"S": "budget"}}


def archive(stack: Stack, tenant: str, name: str, version: str, size: int = 64 * 1024) -> RecipeMerged:
    """Put a fake archive where the merger would and return its ``recipe.merged``."""
    recipe_id = uuid.uuid4().hex[:20]
    data = os.urandom(size)
    key = f"artifacts/{tenant}/{name}/{version}/{recipe_id}.zip"
    stack.client("s3").put_object(Bucket=RESOURCES.artifacts_bucket, Key=key, Body=data, ContentType="application/zip")
    digest = hashlib.sha256(data).hexdigest()
    return RecipeMerged(
        recipe_id=recipe_id,
        tenant_id=tenant,
        payload=RecipeMergedPayload(
            recipe=RecipeDescription(
                name=name, version=version, content_type="application/zip", size_bytes=size, sha256=digest
            ),
            kind="asset",
            artifact=ArtifactRef(bucket=RESOURCES.artifacts_bucket, key=key, size_bytes=size, sha256=digest),
            record_count=0,
            total_chunks=1,
        ),
    )


def await_distributed(
    stack: Stack, probe: str, recipe_ids: list[str], count: int | None = None
) -> list[dict[str, Any]]:
    """The ``recipe.distributed`` events for ``recipe_ids`` (at least ``count`` of them)."""
    wanted = set(recipe_ids)
    needed = count if count is not None else len(wanted)
    seen: list[dict[str, Any]] = []

    def collect() -> list[dict[str, Any]] | None:
        for message in stack.receive_all(probe, 2):
            event = json.loads(message["Body"])
            if event["recipe_id"] in wanted:
                seen.append(event)
        return seen if len(seen) >= needed else None

    return stack.wait_until(collect, WAIT_S, interval=0.1, message=f"recipe.distributed for {sorted(wanted)}")


def distribution_id(stack: Stack) -> str:
    if stack.outputs.get("DistributionId"):
        return stack.outputs["DistributionId"]
    items = stack.client("cloudfront").list_distributions()["DistributionList"]["Items"]
    return str(items[0]["Id"])


def invalidations_touching(stack: Stack, paths: set[str]) -> list[tuple[str, set[str]]]:
    """Every invalidation on the distribution with any of ``paths``: (id, its paths)."""
    cloudfront = stack.client("cloudfront")
    dist = distribution_id(stack)
    found = []
    for page in cloudfront.get_paginator("list_invalidations").paginate(DistributionId=dist):
        for summary in page["InvalidationList"].get("Items") or []:
            batch = cloudfront.get_invalidation(DistributionId=dist, Id=summary["Id"])["Invalidation"]
            items = set(batch["InvalidationBatch"]["Paths"].get("Items") or [])
            if items & paths:
                found.append((summary["Id"], items))
    return found


def pointer(stack: Stack, tenant: str, name: str) -> dict[str, Any]:
    body = stack.client("s3").get_object(
        Bucket=RESOURCES.artifacts_bucket, Key=f"artifacts/{tenant}/{name}/latest.json"
    )
    return dict(json.loads(body["Body"].read()))


def signer(stack: Stack) -> CdnUrlSigner:
    return load_signer(stack.client("secretsmanager"))


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def tenant() -> str:
    return f"dist-{uuid.uuid4().hex[:10]}"


def test_merged_recipe_is_published_and_downloadable_through_the_edge(stack: Stack, tmp_path: Path) -> None:
    t = tenant()
    probe = stack.probe_queue(["recipe.distributed"])
    merged = archive(stack, t, "arm-disassembly", "1.0.0", size=300 * 1024 + 7)
    stack.publish_event(merged)

    (event,) = await_distributed(stack, probe, [merged.recipe_id])
    payload = event["payload"]
    assert payload["download_path"] == "/" + merged.payload.artifact.key
    assert payload["pointer_path"] == f"/artifacts/{t}/arm-disassembly/latest.json"
    assert payload["invalidation_id"]
    assert pointer(stack, t, "arm-disassembly") | {"published_at": None} == {
        "name": "arm-disassembly",
        "version": "1.0.0",
        "recipe_id": merged.recipe_id,
        "key": merged.payload.artifact.key,
        "path": "/" + merged.payload.artifact.key,
        "generation": 0,
        "sha256": merged.payload.artifact.sha256,
        "size": merged.payload.artifact.size_bytes,
        "published_at": None,
    }

    expected = stack.client("s3").get_object(Bucket=RESOURCES.artifacts_bucket, Key=merged.payload.artifact.key)
    original = expected["Body"].read()
    url = signer(stack).sign(stack.ports.edge_url + payload["download_path"], datetime.now(UTC) + timedelta(minutes=5))
    out = tmp_path / "recipe.zip"
    subprocess.run(["curl", "-sSf", url, "-o", str(out)], check=True, timeout=60)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == merged.payload.artifact.sha256
    assert out.read_bytes() == original

    status, headers, body = http_get(url, {"Range": "bytes=100-199"})
    assert (status, body) == (206, original[100:200])
    assert headers["Content-Range"] == f"bytes 100-199/{len(original)}"
    assert headers["ETag"] == expected["ETag"]

    expired = signer(stack).sign(
        stack.ports.edge_url + payload["download_path"], datetime.now(UTC) - timedelta(seconds=1)
    )
    for bad in (url.replace(".zip?", ".zap?"), url.replace("Signature=", "Signature=A"), url.split("?")[0], expired):
        status, _, body = http_get(bad)
        assert status == 403, bad
        assert b"<Error><Code>" in body


def test_a_burst_of_ten_merges_makes_a_few_invalidations_each_path_once(stack: Stack) -> None:
    t = tenant()
    probe = stack.probe_queue(["recipe.distributed"])
    messages = [archive(stack, t, f"recipe-{i}", "1.0.0", size=1024) for i in range(10)]
    started = datetime.now(UTC)
    for message in messages:
        stack.publish_event(message)
    assert datetime.now(UTC) - started < timedelta(seconds=1), "publishing took too long to test coalescing"

    events = await_distributed(stack, probe, [m.recipe_id for m in messages])
    paths = {f"/artifacts/{t}/recipe-{i}/latest.json" for i in range(10)}
    found = invalidations_touching(stack, paths)
    # No batching window: each batch the poller hands over is one invalidation, so a burst
    # takes as many as the receives it spans (one poller, at most 10 records each).
    assert 1 <= len(found) <= 4, found
    invalidated = [path for _, batch in found for path in batch if path in paths]
    assert sorted(invalidated) == sorted(paths), "each pointer path invalidated exactly once"
    assert {e["payload"]["invalidation_id"] for e in events} == {invalidation_id for invalidation_id, _ in found}

    month = datetime.now(UTC).strftime("%Y-%m")
    usage = stack.client("dynamodb").get_item(
        TableName=RESOURCES.distribution_table, Key={"pk": {"S": f"usage#{month}"}, "sk": {"S": "invalidated-paths"}}
    )
    assert int(usage["Item"]["paths"]["N"]) >= 10


def test_redelivered_merged_makes_no_second_invalidation_and_no_regression(stack: Stack) -> None:
    t = tenant()
    probe = stack.probe_queue(["recipe.distributed"])
    newer, older = archive(stack, t, "arm", "2.1.0"), archive(stack, t, "arm", "2.0.10")
    stack.publish_event(newer)
    (first,) = await_distributed(stack, probe, [newer.recipe_id])

    stack.publish_event(older)  # a late older version
    stack.publish_event(newer)  # the same message again, as SQS may redeliver it
    events = await_distributed(stack, probe, [newer.recipe_id, older.recipe_id], count=2)

    assert pointer(stack, t, "arm")["recipe_id"] == newer.recipe_id
    by_recipe = {e["recipe_id"]: e["payload"]["invalidation_id"] for e in events}
    assert by_recipe[newer.recipe_id] == first["payload"]["invalidation_id"]
    assert by_recipe[older.recipe_id] is None
    assert len(invalidations_touching(stack, {f"/artifacts/{t}/arm/latest.json"})) == 1


def test_throttled_invalidation_is_retried_and_succeeds(stack: Stack) -> None:
    dynamodb = stack.client("dynamodb")
    # Arm the distributor's test-only fault switch (on in the local stage): the next two
    # CreateInvalidation calls fail with TooManyInvalidationsInProgress.
    dynamodb.put_item(TableName=RESOURCES.distribution_table, Item={**THROTTLE_FAULT_KEY, "remaining": {"N": "2"}})
    try:
        t = tenant()
        probe = stack.probe_queue(["recipe.distributed"])
        merged = archive(stack, t, "arm", "1.0.0")
        stack.publish_event(merged)

        (event,) = await_distributed(stack, probe, [merged.recipe_id])
        budget = dynamodb.get_item(TableName=RESOURCES.distribution_table, Key=THROTTLE_FAULT_KEY, ConsistentRead=True)
        assert budget["Item"]["remaining"]["N"] == "0"  # both throttles happened before success
        found = invalidations_touching(stack, {f"/artifacts/{t}/arm/latest.json"})
        assert [i for i, _ in found] == [event["payload"]["invalidation_id"]]
    finally:
        dynamodb.delete_item(TableName=RESOURCES.distribution_table, Key=THROTTLE_FAULT_KEY)


def test_uploaded_recipe_goes_to_distributed_and_its_download_url_works(stack: Stack, tmp_path: Path) -> None:
    """The whole flow through the upload API: DISTRIBUTED, then the API's signed URL via curl."""
    from circulion_cli.client import CirculionClient
    from circulion_cli.issuer import dev_token

    t = tenant()
    client = CirculionClient(stack.ports.api_url, dev_token(stack.ports.issuer_url, t))
    source = tmp_path / "vision-model.bin"
    source.write_bytes(os.urandom(200 * 1024 + 3))
    outcome = client.upload_file(source, name="vision-model", content_type="application/octet-stream")
    recipe_id = outcome.recipe_id

    recipe = client.wait(recipe_id, timeout_s=WAIT_S, poll_s=1.0)
    assert recipe.status == "DISTRIBUTED", recipe

    link = client.download_link(recipe_id)
    assert link.url.startswith(stack.ports.edge_url + "/artifacts/")
    out = tmp_path / "recipe.zip"
    subprocess.run(["curl", "-sSf", link.url, "-o", str(out)], check=True, timeout=60)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == link.sha256
    with zipfile.ZipFile(out) as archive_file:
        assert source.read_bytes() in [archive_file.read(name) for name in archive_file.namelist()]
    status, _, _ = http_get(link.url.replace("Signature=", "Signature=A"))
    assert status == 403
