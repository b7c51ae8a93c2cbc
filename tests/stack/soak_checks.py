"""Recipes of every kind with the outcome each deserves, and the checks that prove it.

Shared by the soak (chaos on, many recipes), the runtime-restart test and the hostile
input tests: a :class:`Case` is bytes + content type + the terminal status and reason
codes they must end in; the ``assert_*`` functions check one guarantee each against the
running stack (archive byte-identical through the signed edge URL, one archive version,
the rejected object kept and tagged, queues drained, no duplicated invalidation).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import urllib.request
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from api import UploadApi
from support import Stack

from circulion.pipeline_queues import CONSUMED_QUEUES
from circulion.recipes.examples import HEADER, document, line, stream_lines
from circulion.settings import RESOURCES

MIB = 1 << 20
TERMINAL = frozenset({"DISTRIBUTED", "REJECTED", "FAILED", "ABORTED"})


@dataclass(frozen=True)
class Case:
    """One upload and the end it deserves."""

    label: str
    content_type: str
    data: bytes = field(repr=False)
    expected: str = "DISTRIBUTED"
    codes: frozenset[str] = frozenset()
    declared_sha256: str | None = None  # a lie, when set

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _stream(steps: int) -> bytes:
    return b"".join(stream_lines(steps))


def stream_bytes(size: int) -> bytes:
    """A valid NDJSON stream of about ``size`` bytes (at least the header and one step)."""
    header = line(HEADER)
    step = len(line({"x": 1})) + 90  # steps are ~100 bytes
    return _stream(max(1, (size - len(header)) // step))


def asset_bytes(size: int, seed: int) -> bytes:
    """``size`` bytes, each MiB stamped with its index and the seed (a misplaced chunk shows)."""
    block = os.urandom(min(size, MIB)) if size else b""
    out = bytearray()
    index = 0
    while len(out) < size:
        out += (index.to_bytes(4, "big") + seed.to_bytes(4, "big") + block)[: min(MIB, size - len(out))]
        index += 1
    return bytes(out)


def _bad_record_stream(steps: int) -> bytes:
    lines = list(stream_lines(steps))
    lines[len(lines) // 2] = b'{"step_id": 999999, "action": "teleport"}\n'
    return b"".join(lines)


def kinds(scale_mb: float, seed: int) -> Iterator[Case]:
    """One round of every kind; ``scale_mb`` sizes the big ones (streams, assets)."""
    big = int(scale_mb * MIB)
    yield Case(f"doc-{seed}", "application/json", json.dumps(document(5 + seed % 20)).encode())
    yield Case(f"stream-{seed}", "application/x-ndjson", stream_bytes(max(4096, big // 2)))
    yield Case(f"asset-{seed}", "application/octet-stream", asset_bytes(max(1, big), seed))
    yield Case(
        f"doc-schema-{seed}",
        "application/json",
        json.dumps({**document(3), "robot": "none"}).encode(),
        "REJECTED",
        frozenset({"schema_violation"}),
    )
    yield Case(
        f"doc-truncated-{seed}",
        "application/json",
        json.dumps(document(8)).encode()[:-7],
        "REJECTED",
        frozenset({"invalid_json"}),
    )
    yield Case(
        f"stream-bad-{seed}",
        "application/x-ndjson",
        _bad_record_stream(200),
        "REJECTED",
        frozenset({"schema_violation"}),
    )
    data = json.dumps(document(4)).encode()
    yield Case(
        f"lie-{seed}",
        "application/json",
        data,
        "REJECTED",
        frozenset({"checksum_mismatch"}),
        declared_sha256=hashlib.sha256(b"something else").hexdigest(),
    )


def corpus(count: int, scale_mb: float) -> list[Case]:
    """A 1-byte asset, then ``count - 1`` cases cycling through the kinds, sizes growing
    with each round (x1, x2, x3 of ``scale_mb``)."""
    cases = [Case("asset-1-byte", "application/octet-stream", b"\x00")]
    seed = 0
    while len(cases) < count:
        cases.extend(kinds(scale_mb * (1 + seed % 3), seed))
        seed += 1
    return cases[:count]


def wait_terminal(stack: Stack, api: UploadApi, recipe_ids: Sequence[str], timeout_s: float) -> list[dict[str, Any]]:
    """Every recipe once all are terminal (in order); on timeout the test fails naming the
    recipes still under way and their statuses."""
    pending: dict[str, str] = {}

    def settled() -> list[dict[str, Any]] | None:
        recipes = [api.recipe(rid) for rid in recipe_ids]
        pending.clear()
        pending.update({r["recipe_id"]: f"{r['name']}: {r['status']}" for r in recipes if r["status"] not in TERMINAL})
        return None if pending else recipes

    try:
        return stack.wait_until(settled, timeout_s, interval=2.0, message="every recipe terminal")
    except pytest.fail.Exception:
        pytest.fail(f"{len(pending)} recipe(s) never finished: {pending}")


def upload(api: UploadApi, case: Case, name: str) -> str:
    return api.upload_recipe(name, case.data, case.content_type, sha256=case.declared_sha256)


def error_codes(recipe: dict[str, Any]) -> set[str]:
    return {str(e.get("code")) for e in recipe.get("errors") or []}


def archive_member_sha256(api: UploadApi, recipe_id: str) -> str:
    """Download through the API's signed URL and the edge; the recipe file's SHA-256."""
    got = api.request("GET", f"/recipes/{recipe_id}/download")
    assert got.status == 200, got.body
    with urllib.request.urlopen(got.body["url"], timeout=300) as response:  # the local edge
        raw = response.read()
    assert hashlib.sha256(raw).hexdigest() == got.body["sha256"], "the archive's hash differs from the API's"
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert archive.testzip() is None
        (member,) = [n for n in archive.namelist() if n != "manifest.json"]
        return hashlib.sha256(archive.read(member)).hexdigest()


def assert_outcome(stack: Stack, api: UploadApi, case: Case, recipe: dict[str, Any]) -> None:
    """The recipe ended as ``case`` deserves, and what it left behind is right."""
    rid = recipe["recipe_id"]
    assert recipe["status"] == case.expected, f"{case.label} ({rid}): {recipe['status']} {recipe.get('errors')}"
    if case.expected == "DISTRIBUTED":
        assert archive_member_sha256(api, rid) == case.sha256, f"{case.label}: archive differs from the upload"
        versions = archive_versions(stack, recipe)
        # Exactly one version, even when a merger was killed between CompleteMultipartUpload
        # and its ledger commit: the next lease holder adopts the completed archive instead
        # of writing it again (services/merger/chalicelib/assembly.adopt_written).
        assert len(versions) == 1, f"{case.label}: {len(versions)} versions of its archive: {versions}"
        announced = (recipe.get("artifact") or {}).get("version_id")
        if announced:
            assert announced == versions[0]["VersionId"]
    if case.expected == "REJECTED":
        assert case.codes <= error_codes(recipe), f"{case.label}: {error_codes(recipe)} lacks {case.codes}"
        assert_kept_and_tagged(stack, recipe)


def archive_versions(stack: Stack, recipe: dict[str, Any]) -> list[dict[str, Any]]:
    """Every version of the recipe's archive key in the versioned artifacts bucket."""
    artifact = recipe.get("artifact") or {}
    key = artifact.get("key") or str(artifact.get("download_path", "")).lstrip("/")
    assert key, f"no artifact key in {recipe}"
    listed = stack.client("s3").list_object_versions(Bucket=RESOURCES.artifacts_bucket, Prefix=key)
    return [v for v in listed.get("Versions", []) if v["Key"] == key]


def assert_kept_and_tagged(stack: Stack, recipe: dict[str, Any], size: int | None = None) -> dict[str, str]:
    """The upload (``size`` bytes; default: as declared) is still in the uploads bucket,
    tagged with its outcome; returns the tags."""
    s3 = stack.client("s3")
    key = upload_key(stack, recipe["recipe_id"])
    head = s3.head_object(Bucket=RESOURCES.uploads_bucket, Key=key)
    assert head["ContentLength"] == (recipe["size"] if size is None else size)
    tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=RESOURCES.uploads_bucket, Key=key)["TagSet"]}
    assert tags.get("circulion-status"), f"{key} carries no outcome tag: {tags}"
    return tags


def upload_key(stack: Stack, recipe_id: str) -> str:
    """The uploads bucket key of a recipe (``incoming/{tenant}/{recipe_id}``)."""
    paginator = stack.client("s3").get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=RESOURCES.uploads_bucket, Prefix="incoming/"):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith("/" + recipe_id):
                return str(obj["Key"])
    raise AssertionError(f"the upload of {recipe_id} is gone from the uploads bucket")


PIPELINE_QUEUES = CONSUMED_QUEUES


def queue_depths(stack: Stack) -> dict[str, int]:
    """Messages in every pipeline queue and DLQ (visible + in flight + delayed)."""
    sqs = stack.client("sqs")
    depths: dict[str, int] = {}
    for name in (*PIPELINE_QUEUES, *(f"{q}-dlq" for q in PIPELINE_QUEUES)):
        attributes = sqs.get_queue_attributes(QueueUrl=stack.queue_url(name), AttributeNames=["All"])["Attributes"]
        depths[name] = sum(
            int(attributes.get(a, 0))
            for a in (
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            )
        )
    return depths


def invalidated_paths(stack: Stack) -> list[tuple[str, tuple[str, ...]]]:
    """Every invalidation on the distribution: (caller reference, paths)."""
    cloudfront = stack.client("cloudfront")
    distribution = stack.outputs["DistributionId"]
    found: list[tuple[str, tuple[str, ...]]] = []
    for page in cloudfront.get_paginator("list_invalidations").paginate(DistributionId=distribution):
        for summary in page.get("InvalidationList", {}).get("Items", []) or []:
            batch = cloudfront.get_invalidation(DistributionId=distribution, Id=summary["Id"])["Invalidation"]
            items = batch["InvalidationBatch"]["Paths"].get("Items", []) or []
            found.append((batch["InvalidationBatch"]["CallerReference"], tuple(items)))
    return found


def duplicated_invalidations(stack: Stack, pointer_paths: Sequence[str]) -> dict[str, int]:
    """Pointer paths (one per distinct recipe name, each published once) in more than one
    invalidation; fails if one is in none, or a caller reference made two invalidations.

    With coalescing, a "duplicate" is a second invalidation of a pointer whose version did
    not change. None is tolerated: a distributor killed between CreateInvalidation and
    recording it resends its recorded request (same caller reference), which CloudFront —
    and the local emulator — answer with the invalidation already made.
    """
    found = invalidated_paths(stack)
    references = [reference for reference, _ in found]
    assert len(references) == len(set(references)), "one caller reference made two invalidations"
    counts = {path: sum(path in paths for _, paths in found) for path in pointer_paths}
    assert all(n >= 1 for n in counts.values()), {p: n for p, n in counts.items() if n < 1}
    return {path: n for path, n in counts.items() if n > 1}
