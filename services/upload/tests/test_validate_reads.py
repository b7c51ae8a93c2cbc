"""The validation queue reads each record's recipe once: for its trace and for the checks."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.recipe import Recipe, object_key
from tests.conftest import World
from tests.test_validate import BUCKET, RID, add_recipe, run, s3_body


def test_a_notification_reads_its_recipe_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b'{"step_id": 1}\n'
    add_recipe(world, data)
    version = world.objects.put_bytes(BUCKET, object_key("acme", RID), data)
    reads: list[str] = []
    read = world.store.get

    def counted(recipe_id: str) -> Recipe | None:
        reads.append(recipe_id)
        return read(recipe_id)

    monkeypatch.setattr(world.store, "get", counted)
    assert run(s3_body(object_key("acme", RID), len(data), version)) == {"batchItemFailures": []}
    (validated,) = world.bus.of_type("recipe.validated")
    assert validated.trace_header == "Root=1-abc-def;Sampled=1"
    assert reads == [RID]


def test_a_failed_trace_read_is_read_again_by_the_handler(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from circulion.errors import TransientError

    data = b'{"step_id": 1}\n'
    add_recipe(world, data)
    version = world.objects.put_bytes(BUCKET, object_key("acme", RID), data)
    read = world.store.get
    calls: list[Any] = []

    def flaky(recipe_id: str) -> Recipe | None:
        calls.append(recipe_id)
        if len(calls) == 1:
            raise TransientError("table unreachable")
        return read(recipe_id)

    monkeypatch.setattr(world.store, "get", flaky)
    assert run(s3_body(object_key("acme", RID), len(data), version)) == {"batchItemFailures": []}
    (validated,) = world.bus.of_type("recipe.validated")
    assert validated.trace_header is None  # only the trace link is lost
    assert calls == [RID, RID]
