"""Automatic versions: the one after the highest, carried like digits, a 409 at the end, no 503 under a race."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import replace
from typing import Any

import pytest
from app import app
from chalice.test import Client

from chalicelib.errors import Unavailable, VersionsExhausted, VersionTaken
from chalicelib.recipe import LAST_VERSION, Recipe, next_version
from chalicelib.versioning import AUTO_VERSION_ATTEMPTS, backoff_s, store_with_next_version
from tests.conftest import World
from tests.fakes import InMemoryRecipeStore

SHA = hashlib.sha256(b"{}").hexdigest()


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        ([], "1.0.0"),
        (["1.0.0", "1.2.3", "1.10.0"], "1.10.1"),
        (["1.0.999999999"], "1.1.0"),
        (["2.999999999.999999999"], "3.0.0"),
        (["999999999.999999998.999999999"], "999999999.999999999.0"),
        (["1.0.0", "x", "1.0.0\n9.0.0"], "1.0.1"),
    ],
)
def test_next_version_is_the_one_after_the_highest(existing: list[str], expected: str) -> None:
    assert next_version(existing) == expected


def test_there_is_no_version_after_the_last() -> None:
    with pytest.raises(VersionsExhausted):
        next_version(["1.0.0", LAST_VERSION])


def test_the_backoff_is_jittered_and_capped() -> None:
    assert backoff_s(0, lambda: 1.0) == pytest.approx(0.005)
    assert backoff_s(30, lambda: 1.0) == pytest.approx(0.1)
    assert backoff_s(30, lambda: 0.0) == 0.0


class RivalStore(InMemoryRecipeStore):
    """Before each of the first ``losses`` creates, a rival claims the version being tried."""

    def __init__(self, losses: int) -> None:
        super().__init__()
        self.losses = losses

    def create(self, recipe: Recipe) -> None:
        if self.losses > 0:
            self.losses -= 1
            super().create(replace(recipe, recipe_id="f" * 32))
        super().create(recipe)


def _recipe(world: World) -> Recipe:
    client = Client(app)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {world.issuer.token('acme')}"}
    body = {"name": "screws", "size": 2, "sha256": SHA, "content_type": "application/json"}
    created = json.loads(client.http.request("POST", "/recipes", headers=headers, body=json.dumps(body)).body)
    return world.store.recipes[created["recipe_id"]]


def test_a_creator_that_keeps_losing_the_race_still_gets_a_free_version(world: World) -> None:
    template = _recipe(world)
    store = RivalStore(losses=AUTO_VERSION_ATTEMPTS - 1)
    waits: list[float] = []
    stored = store_with_next_version(template, store, sleep=waits.append)
    assert stored.version == f"1.0.{AUTO_VERSION_ATTEMPTS - 1}"
    assert len(waits) == AUTO_VERSION_ATTEMPTS - 1
    assert sorted(v for (_, _, v) in store.claims) == sorted(f"1.0.{n}" for n in range(AUTO_VERSION_ATTEMPTS))


def test_only_an_endless_race_is_a_503_and_it_says_so(world: World) -> None:
    with pytest.raises(Unavailable) as raised:
        store_with_next_version(_recipe(world), RivalStore(losses=AUTO_VERSION_ATTEMPTS), sleep=lambda _s: None)
    assert raised.value.code == "version_contention"


class LockedStore(InMemoryRecipeStore):
    """The in-memory store with the table's atomic conditional write, for real threads."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def create(self, recipe: Recipe) -> None:
        with self._lock:
            super().create(recipe)


def test_forty_threads_creating_one_name_all_get_distinct_versions(world: World) -> None:
    template = _recipe(world)
    store = LockedStore()
    results: list[str] = []
    errors: list[Exception] = []

    def create(n: int) -> None:
        try:
            results.append(store_with_next_version(replace(template, recipe_id=f"{n:032x}"), store).version)
        except (VersionTaken, Unavailable) as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results, key=lambda v: int(v.split(".")[2])) == [f"1.0.{n}" for n in range(40)]


def test_an_automatic_create_after_the_last_version_is_a_409(client_and_world: tuple[Any, World]) -> None:
    client, world = client_and_world
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {world.issuer.token('acme')}"}
    body = {"name": "full", "size": 2, "sha256": SHA, "content_type": "application/json"}
    explicit = client.http.request(
        "POST", "/recipes", headers=headers, body=json.dumps({**body, "version": LAST_VERSION})
    )
    assert explicit.status_code == 201
    r = client.http.request("POST", "/recipes", headers=headers, body=json.dumps(body))
    assert r.status_code == 409, r.body
    error = json.loads(r.body)["error"]
    assert error["code"] == "versions_exhausted"
    assert error["details"] == {"highest_version": LAST_VERSION}
    assert [rec.version for rec in world.store.recipes.values()] == [LAST_VERSION]


@pytest.fixture
def client_and_world(world: World) -> Any:
    with Client(app) as c:
        yield c, world
