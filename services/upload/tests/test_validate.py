"""The validation and status handlers through Lambda-shaped events, with fakes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from app import app
from chalice.test import Client

from chalicelib.recipe import Recipe, Status, object_key
from chalicelib.settings import MIB
from circulion.testing import sqs_record
from tests.conftest import World
from tests.fakes import utc

BUCKET = "circulion-uploads"
RID = "a" * 32


def s3_body(key: str, size: int, version_id: str | None = None, event: str = "ObjectCreated:Put") -> str:
    obj: dict[str, Any] = {"key": key.replace(" ", "+"), "size": size, "eTag": "x"}
    if version_id:
        obj["versionId"] = version_id
    return json.dumps({"Records": [{"eventName": event, "s3": {"bucket": {"name": BUCKET}, "object": obj}}]})


def add_recipe(world: World, data: bytes, content_type: str = "application/x-ndjson", **kw: Any) -> Recipe:
    recipe = Recipe(
        recipe_id=kw.pop("recipe_id", RID),
        tenant_id="acme",
        name="n",
        version="1.0.0",
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        status=Status.AWAITING_UPLOAD,
        created_at=utc(2026, 1, 1),
        updated_at=utc(2026, 1, 1),
        bucket=BUCKET,
        key=object_key("acme", kw.pop("rid_for_key", RID)),
        trace_header="Root=1-abc-def;Sampled=1",
    )
    recipe = replace(recipe, **kw)
    world.store.create(recipe)
    return recipe


def run(*bodies: Any, function: str = "validate") -> Any:
    records = [b if isinstance(b, dict) else sqs_record(b, queue="circulion-upload-validate") for b in bodies]
    event = {"Records": records}
    with Client(app) as c:
        return c.lambda_.invoke(function, event).payload


def test_valid_upload_is_validated_once_even_with_two_notifications(world: World) -> None:
    data = b'{"step_id": 1}\n{"step_id": 2}\n'
    add_recipe(world, data)
    version = world.objects.put_bytes(BUCKET, object_key("acme", RID), data)
    body = s3_body(object_key("acme", RID), len(data), version)
    assert run(body, body) == {"batchItemFailures": []}
    validated = world.bus.of_type("recipe.validated")
    assert len(validated) == 1
    event = validated[0]
    assert event.payload.kind == "stream" and event.payload.source.version_id == version  # type: ignore[attr-defined]
    assert event.trace_header == "Root=1-abc-def;Sampled=1"
    assert world.store.recipes[RID].status is Status.VALIDATING
    assert world.objects.head(BUCKET, object_key("acme", RID)).tags == {"circulion-status": "validated"}


def test_the_uploaded_files_name_travels_with_the_validated_recipe(world: World) -> None:
    data = b'{"step_id": 1}\n'
    add_recipe(world, data, file_name="bad.recipe")
    version = world.objects.put_bytes(BUCKET, object_key("acme", RID), data)
    assert run(s3_body(object_key("acme", RID), len(data), version)) == {"batchItemFailures": []}
    (validated,) = world.bus.of_type("recipe.validated")
    assert validated.payload.recipe.file_name == "bad.recipe"  # type: ignore[attr-defined]


def test_size_and_checksum_mismatch_are_rejected_tagged_and_kept(world: World) -> None:
    add_recipe(world, b'{"a": 1}\n')
    world.objects.put_bytes(BUCKET, object_key("acme", RID), b'{"a": 2}\n')
    other = "b" * 32
    add_recipe(world, b'{"a": 1}\n', recipe_id=other, rid_for_key=other, version="2.0.0")
    world.objects.put_bytes(BUCKET, object_key("acme", other), b'{"a": 1}\n extra')
    assert run(s3_body(object_key("acme", RID), 9), s3_body(object_key("acme", other), 15)) == {"batchItemFailures": []}
    rejected = {e.recipe_id: e for e in world.bus.of_type("recipe.rejected")}
    assert [i.code for i in rejected[RID].payload.issues] == ["checksum_mismatch"]  # type: ignore[attr-defined]
    assert [i.code for i in rejected[other].payload.issues] == ["size_mismatch"]  # type: ignore[attr-defined]
    info = world.objects.head(BUCKET, object_key("acme", RID))
    assert info.tags == {"circulion-status": "rejected", "circulion-reasons": "checksum_mismatch"}


def test_rejected_event_projects_to_rejected_with_reasons(world: World) -> None:
    add_recipe(world, b"x" * 10, content_type="application/octet-stream")
    world.objects.put_bytes(BUCKET, object_key("acme", RID), b"y" * 3)
    run(s3_body(object_key("acme", RID), 3))
    (event,) = world.bus.of_type("recipe.rejected")
    assert run(sqs_record(event), function="track_status") == {"batchItemFailures": []}
    recipe = world.store.recipes[RID]
    assert recipe.status is Status.REJECTED and recipe.errors[0]["code"] == "size_mismatch"


def test_orphan_object_test_event_and_foreign_key_are_dropped_not_crashed(world: World) -> None:
    world.objects.put_bytes(BUCKET, object_key("acme", "c" * 32), b"zz")
    test_event = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET})
    result = run(s3_body(object_key("acme", "c" * 32), 2), test_event, s3_body("elsewhere/x", 1))
    assert result == {"batchItemFailures": []}
    assert world.bus.events == [] and world.dead_letters.sent == []
    assert world.objects.head(BUCKET, object_key("acme", "c" * 32)).tags == {
        "circulion-status": "rejected",
        "circulion-reasons": "no_recipe",
    }


def test_junk_body_goes_to_the_dead_letter_queue(world: World) -> None:
    assert run("not json") == {"batchItemFailures": []}
    assert len(world.dead_letters.sent) == 1


def test_recipe_past_validation_is_left_alone(world: World) -> None:
    data = b"abc"
    add_recipe(world, data, content_type="application/octet-stream", status=Status.PROCESSING)
    world.objects.put_bytes(BUCKET, object_key("acme", RID), data)
    assert run(s3_body(object_key("acme", RID), 3)) == {"batchItemFailures": []}
    assert world.bus.events == []


def test_big_object_is_read_in_ranges(world: World) -> None:
    data = b'{"k": "' + b"v" * (2 * MIB) + b'"}'
    add_recipe(world, data, content_type="application/json")
    world.objects.put_bytes(BUCKET, object_key("acme", RID), data)
    run(s3_body(object_key("acme", RID), len(data)))
    assert len(world.bus.of_type("recipe.validated")) == 1
    reads = [r for r in world.objects.range_reads if r[1] == object_key("acme", RID)]
    assert len(reads) > 1000 and max(e - s for _, _, s, e in reads) == 1024


def test_status_projection_counts_distinct_chunks(world: World) -> None:
    from tests.unit.test_projection import chunk

    add_recipe(world, b"abc", status=Status.PROCESSING)
    events = [replace_id(chunk(i)) for i in (0, 1, 1, 3, 0)]
    assert run(*[sqs_record(e) for e in events], function="track_status") == {"batchItemFailures": []}  # type: ignore[arg-type]
    recipe = world.store.recipes[RID]
    assert recipe.chunks_done == 3 and recipe.chunks_total == 4 and recipe.status is Status.PROCESSING


def replace_id(event: Any) -> Any:
    return event.model_copy(update={"recipe_id": RID})
