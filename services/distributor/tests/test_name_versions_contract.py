"""One suite, two implementations of the versions set and the generation rule: fake and DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakes import InMemoryDistributionStore
from moto_table import TABLE, distribution_table
from name_version_fakes import InMemoryNameVersions

from chalicelib.dynamo_name_versions import DynamoNameVersions
from chalicelib.name_versions import Mark, VersionEntry, best_live
from chalicelib.publication import PointerMove
from chalicelib.store import DynamoDistributionStore
from chalicelib.versions import order_key


@pytest.fixture(params=["memory", "dynamodb"])
def pair(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    if request.param == "memory":
        store = InMemoryDistributionStore()
        yield store, InMemoryNameVersions(store)
        return
    with distribution_table(monkeypatch) as db:
        yield DynamoDistributionStore(db, TABLE), DynamoNameVersions(db, TABLE)


def entry(version: str, recipe_id: str) -> VersionEntry:
    return VersionEntry(
        "acme",
        "arm",
        recipe_id,
        version,
        order_key(version),
        f"artifacts/acme/arm/{version}/{recipe_id}.zip",
        "0" * 64,
        5,
        "2026-12-01T00:00:00+00:00",
    )


def test_record_keeps_the_first_and_its_withdrawn_flag(pair: tuple[Any, Any]) -> None:
    _, versions = pair
    assert versions.record(entry("1.0.0", "a")) == entry("1.0.0", "a")
    mark, marked = versions.mark(entry("1.0.0", "a"), True, 1)
    assert mark is Mark.APPLIED and marked.withdrawn
    assert versions.record(entry("1.0.0", "a")).withdrawn


def test_mark_applies_newer_sequences_only(pair: tuple[Any, Any]) -> None:
    _, versions = pair
    assert versions.mark(entry("1.0.0", "a"), True, 1)[0] is Mark.APPLIED  # creates it
    assert versions.mark(entry("1.0.0", "a"), True, 1)[0] is Mark.REPEATED
    versions.note_applied(entry("1.0.0", "a"), 1, 4)
    assert versions.mark(entry("1.0.0", "a"), True, 1)[1].applied_generation == 4
    mark, restored = versions.mark(entry("1.0.0", "a"), False, 2)
    assert mark is Mark.APPLIED and not restored.withdrawn and restored.applied_generation is None
    assert versions.mark(entry("1.0.0", "a"), True, 1)[0] is Mark.SUPERSEDED
    versions.note_applied(entry("1.0.0", "a"), 1, 9)  # stale: ignored
    assert versions.mark(entry("1.0.0", "a"), False, 2)[1].applied_generation is None


def test_replace_pointer_is_conditional_and_starts_a_generation(pair: tuple[Any, Any]) -> None:
    store, versions = pair
    for e in (entry("1.0.0", "a"), entry("1.1.0", "b")):
        versions.record(e)
    best = best_live(versions.versions("acme", "arm"))
    assert best is not None and best.version == "1.1.0"
    row = versions.pointer_row("acme", "arm")
    assert (row.generation, row.pointer) == (0, None)
    assert versions.replace_pointer("acme", "arm", row, best.pointer(1))
    assert not versions.replace_pointer("acme", "arm", row, None)  # stale revision
    now = versions.pointer_row("acme", "arm")
    assert now.generation == 1 and now.pointer == best.pointer(1) == store.current_pointer("acme", "arm")
    assert versions.replace_pointer("acme", "arm", now, None)
    assert store.current_pointer("acme", "arm") is None and store.pointer_generation("acme", "arm") == 2


def test_advance_pointer_needs_the_current_generation(pair: tuple[Any, Any]) -> None:
    store, versions = pair
    assert store.advance_pointer(entry("1.0.0", "a").pointer(0))[0] is PointerMove.MOVED
    versions.replace_pointer("acme", "arm", versions.pointer_row("acme", "arm"), entry("1.0.0", "a").pointer(1))
    assert store.advance_pointer(entry("2.0.0", "c").pointer(0))[0] is PointerMove.REGENERATED
    assert store.advance_pointer(entry("2.0.0", "c").pointer(1))[0] is PointerMove.MOVED
    assert store.advance_pointer(entry("1.5.0", "d").pointer(1))[0] is PointerMove.STALE
    # An emptied pointer is taken by any version of its generation.
    versions.replace_pointer("acme", "arm", versions.pointer_row("acme", "arm"), None)
    assert store.advance_pointer(entry("0.1.0", "e").pointer(2))[0] is PointerMove.MOVED
