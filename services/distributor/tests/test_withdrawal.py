"""Withdraw and restore commands through the distribute flow, with fakes."""

from __future__ import annotations

import json
from collections.abc import Callable

from conftest import ARTIFACTS, World, merged

from chalicelib.coalescing import distribute
from circulion.contracts import (
    RecipeMerged,
    RecipeRestored,
    RecipeRestoreRequested,
    RecipeRestoreRequestedPayload,
    RecipeWithdrawalRequested,
    RecipeWithdrawalRequestedPayload,
    RecipeWithdrawn,
)
from circulion.testing import sqs_event


def withdrawal(m: RecipeMerged, sequence: int = 1) -> RecipeWithdrawalRequested:
    r = m.payload.recipe
    payload = RecipeWithdrawalRequestedPayload(
        name=r.name, version=r.version, sequence=sequence, by="ops", reason="unsafe", artifact=m.payload.artifact
    )
    return RecipeWithdrawalRequested(recipe_id=m.recipe_id, tenant_id=m.tenant_id, payload=payload)


def restore(m: RecipeMerged, sequence: int = 2) -> RecipeRestoreRequested:
    r = m.payload.recipe
    payload = RecipeRestoreRequestedPayload(
        name=r.name, version=r.version, sequence=sequence, by="ops", artifact=m.payload.artifact
    )
    return RecipeRestoreRequested(recipe_id=m.recipe_id, tenant_id=m.tenant_id, payload=payload)


def pointer(w: World, name: str = "arm") -> dict[str, object] | None:
    key = f"artifacts/acme/{name}/latest.json"
    if key not in set(w.objects.list_keys(ARTIFACTS, f"artifacts/acme/{name}/")):
        return None
    document: dict[str, object] = json.loads(w.objects.get_bytes(ARTIFACTS, key))
    return document


def ok(w: World, *messages: object) -> None:
    assert distribute(sqs_event(list(messages)), w.deps) == {"batchItemFailures": []}  # type: ignore[arg-type]


def test_withdrawing_the_live_version_moves_the_pointer_back_and_invalidates_it(world: Callable[..., World]) -> None:
    w = world()
    old, new = merged("acme", "arm", "1.0.0"), merged("acme", "arm", "1.1.0")
    ok(w, old)
    ok(w, new)
    assert pointer(w) is not None and pointer(w)["version"] == "1.1.0"  # type: ignore[index]
    ok(w, withdrawal(new))
    document = pointer(w)
    assert document is not None and (document["version"], document["generation"]) == ("1.0.0", 1)
    assert document["path"] == "/" + str(document["key"])
    assert len(w.cdn.invalidations) == 3 and w.cdn.invalidations[-1] == ("/artifacts/acme/arm/latest.json",)
    [event] = [e for e in w.bus.events if isinstance(e, RecipeWithdrawn)]
    assert (event.recipe_id, event.payload.live_version, event.payload.generation) == (new.recipe_id, "1.0.0", 1)
    assert event.payload.invalidation_id is not None


def test_a_redelivered_merged_of_a_withdrawn_version_never_puts_it_back(world: Callable[..., World]) -> None:
    w = world()
    old, new = merged("acme", "arm", "1.0.0"), merged("acme", "arm", "1.1.0")
    ok(w, old, new)
    ok(w, withdrawal(new))
    announced = len(w.bus.events)
    ok(w, new)  # late redelivery
    assert pointer(w)["version"] == "1.0.0"  # type: ignore[index]
    assert len(w.bus.events) == announced  # nothing announced for it


def test_a_merged_built_before_the_withdrawal_loses_to_the_new_generation(world: Callable[..., World]) -> None:
    w = world()
    old, new = merged("acme", "arm", "1.0.0"), merged("acme", "arm", "1.1.0")
    ok(w, old, new)
    ok(w, withdrawal(new))
    # A candidate built at generation 0 (read before the withdrawal) reaches the table after it.
    from chalicelib.publication import PointerMove, candidate_pointer

    move, _ = w.store.advance_pointer(candidate_pointer(new, w.deps.clock(), 0))
    assert move is PointerMove.REGENERATED
    assert w.store.current_pointer("acme", "arm").version == "1.0.0"  # type: ignore[union-attr]


def test_withdrawing_the_only_version_removes_the_pointer(world: Callable[..., World]) -> None:
    w = world()
    only = merged("acme", "arm", "1.0.0")
    ok(w, only)
    ok(w, withdrawal(only))
    assert pointer(w) is None
    [event] = [e for e in w.bus.events if isinstance(e, RecipeWithdrawn)]
    assert event.payload.live_version is None
    # A newer version may still take the emptied pointer.
    ok(w, merged("acme", "arm", "1.0.1"))
    assert pointer(w)["version"] == "1.0.1"  # type: ignore[index]


def test_a_redelivered_command_makes_no_second_invalidation_or_generation(world: Callable[..., World]) -> None:
    w = world()
    old, new = merged("acme", "arm", "1.0.0"), merged("acme", "arm", "1.1.0")
    ok(w, old, new)
    command = withdrawal(new)
    ok(w, command)
    calls = w.cdn.calls
    ok(w, command)
    assert w.cdn.calls == calls
    assert pointer(w)["generation"] == 1  # type: ignore[index]
    ids = {e.payload.invalidation_id for e in w.bus.events if isinstance(e, RecipeWithdrawn)}
    assert len(ids) == 1


def test_restore_puts_the_version_back_and_a_late_withdrawal_does_not_undo_it(world: Callable[..., World]) -> None:
    w = world()
    old, new = merged("acme", "arm", "1.0.0"), merged("acme", "arm", "1.1.0")
    ok(w, old, new)
    first = withdrawal(new, 1)
    ok(w, first)
    ok(w, restore(new, 2))
    assert (pointer(w)["version"], pointer(w)["generation"]) == ("1.1.0", 2)  # type: ignore[index]
    assert [e.payload.live_version for e in w.bus.events if isinstance(e, RecipeRestored)] == ["1.1.0"]
    events = len(w.bus.events)
    ok(w, first)  # the old withdrawal, redelivered late
    assert pointer(w)["version"] == "1.1.0"  # type: ignore[index]
    assert len(w.bus.events) == events


def test_withdrawing_an_older_version_keeps_the_live_one(world: Callable[..., World]) -> None:
    w = world()
    old, new = merged("acme", "arm", "1.0.0"), merged("acme", "arm", "1.1.0")
    ok(w, old, new)
    ok(w, withdrawal(old))
    assert (pointer(w)["version"], pointer(w)["generation"]) == ("1.1.0", 1)  # type: ignore[index]
    ok(w, merged("acme", "arm", "1.2.0"))  # newer versions still move it forward
    assert pointer(w)["version"] == "1.2.0"  # type: ignore[index]
