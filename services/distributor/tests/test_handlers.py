"""The distribute flow with fakes: coalescing, idempotency, ordering, throttling."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from conftest import ARTIFACTS, NOW, World, merged

from chalicelib.cdn import CRASH_FAULT, SUPPRESS_FAULT, THROTTLE_FAULT, FaultInjectingCdn
from chalicelib.coalescing import distribute
from chalicelib.usage import invalidation_usage
from circulion.contracts.events import RecipeDistributed, RecipeMerged
from circulion.testing import sqs_event, sqs_record


def distributed(world: World) -> list[RecipeDistributed]:
    return [e for e in world.bus.events if isinstance(e, RecipeDistributed)]


def pointer_json(world: World, tenant: str, name: str) -> dict[str, object]:
    return json.loads(world.objects.get_bytes(ARTIFACTS, f"artifacts/{tenant}/{name}/latest.json"))


def test_a_batch_of_ten_makes_one_invalidation_with_all_pointer_paths(world: Callable[..., World]) -> None:
    w = world()
    messages = [merged("acme", f"recipe-{i}", "1.0.0") for i in range(10)]
    response = distribute(sqs_event(messages), w.deps)

    assert response == {"batchItemFailures": []}
    assert len(w.cdn.invalidations) == 1
    assert sorted(w.cdn.invalidations[0]) == sorted(f"/artifacts/acme/recipe-{i}/latest.json" for i in range(10))
    events = distributed(w)
    assert {e.recipe_id for e in events} == {m.recipe_id for m in messages}
    assert {e.payload.invalidation_id for e in events} == {"I0001"}
    first = events[0]
    assert first.payload.download_path == "/" + first.payload.artifact.key
    assert pointer_json(w, "acme", "recipe-3")["version"] == "1.0.0"
    assert invalidation_usage(w.store, NOW).paths == 10


def test_redelivered_batch_and_message_make_no_second_invalidation(world: Callable[..., World]) -> None:
    w = world()
    messages = [merged("acme", f"r{i}", "2.0.0") for i in range(3)]
    distribute(sqs_event(messages), w.deps)
    before = pointer_json(w, "acme", "r1")

    distribute(sqs_event(messages), w.deps)  # the whole batch again
    distribute(sqs_event([messages[1]]), w.deps)  # one message again

    assert w.cdn.calls == 1
    assert pointer_json(w, "acme", "r1") == before
    assert [e.payload.invalidation_id for e in distributed(w)] == ["I0001"] * 7  # at-least-once, same id
    assert invalidation_usage(w.store, NOW).paths == 3


def test_a_late_older_version_never_replaces_a_newer_one(world: Callable[..., World]) -> None:
    w = world()
    newer, older = merged("acme", "arm", "1.10.0"), merged("acme", "arm", "1.9.0")
    distribute(sqs_event([newer]), w.deps)
    distribute(sqs_event([older]), w.deps)

    assert pointer_json(w, "acme", "arm")["recipe_id"] == newer.recipe_id
    assert w.cdn.calls == 1
    late = distributed(w)[-1]
    assert late.recipe_id == older.recipe_id
    assert late.payload.invalidation_id is None


def test_two_versions_in_one_batch_share_the_pointer_path(world: Callable[..., World]) -> None:
    w = world()
    batch = [merged("acme", "arm", "3.0.0"), merged("acme", "arm", "2.0.0"), merged("acme", "arm", "3.0.0-rc.1")]
    distribute(sqs_event(batch), w.deps)

    assert w.cdn.invalidations == [("/artifacts/acme/arm/latest.json",)]
    assert pointer_json(w, "acme", "arm")["version"] == "3.0.0"


def test_throttled_invalidation_is_retried_through_the_queue(world: Callable[..., World]) -> None:
    w = world(throttle_first=2)
    messages = [merged("acme", f"r{i}", "1.0.0") for i in range(2)]
    records = [sqs_record(m) for m in messages]

    first = distribute({"Records": records}, w.deps)
    assert sorted(f["itemIdentifier"] for f in first["batchItemFailures"]) == sorted(r["messageId"] for r in records)
    assert w.retries.delays == [(r["messageId"], 2) for r in records]
    assert distributed(w) == []
    assert pointer_json(w, "acme", "r0")["version"] == "1.0.0"  # pointers moved already

    again = [sqs_record(m, receive_count=2) for m in messages]
    assert distribute({"Records": again}, w.deps)["batchItemFailures"] != []
    assert w.retries.delays[-1][1] == 4  # exponential

    last = [sqs_record(m, receive_count=3) for m in messages]
    assert distribute({"Records": last}, w.deps) == {"batchItemFailures": []}
    assert len(w.cdn.invalidations) == 1
    assert {e.recipe_id for e in distributed(w)} == {m.recipe_id for m in messages}


def test_throttled_on_the_final_attempt_goes_to_the_dead_letter_queue(world: Callable[..., World]) -> None:
    w = world(throttle_first=10)
    message = merged("acme", "arm", "1.0.0")
    response = distribute({"Records": [sqs_record(message, receive_count=4)]}, w.deps)

    assert response == {"batchItemFailures": []}
    assert len(w.dead_letters.sent) == 1
    assert "TooManyInvalidationsInProgress" in w.dead_letters.sent[0][1]
    assert [e.type for e in w.bus.events] == ["recipe.failed"]


def test_unorderable_version_fails_the_recipe_and_spares_the_batch(world: Callable[..., World]) -> None:
    w = world()
    good, bad = merged("acme", "a", "1.0.0"), merged("acme", "b", "latest")
    response = distribute(sqs_event([bad, good, "not json"]), w.deps)

    assert response == {"batchItemFailures": []}
    assert [e.type for e in w.bus.events].count("recipe.failed") == 1
    assert [e.recipe_id for e in distributed(w)] == [good.recipe_id]
    assert len(w.dead_letters.sent) == 1  # the junk record
    assert w.cdn.invalidations == [("/artifacts/acme/a/latest.json",)]


def test_fault_switch_throttles_while_its_budget_lasts(world: Callable[..., World]) -> None:
    w = world()
    w.store.faults[THROTTLE_FAULT] = 1
    cdn = FaultInjectingCdn(w.cdn, w.store.take_fault)
    message: RecipeMerged = merged("acme", "arm", "1.0.0")
    deps = type(w.deps)(**{**w.deps.__dict__, "cdn": cdn})

    assert distribute(sqs_event([message]), deps)["batchItemFailures"] != []
    assert distribute({"Records": [sqs_record(message, receive_count=2)]}, deps) == {"batchItemFailures": []}
    assert w.store.faults[THROTTLE_FAULT] == 0
    assert len(w.cdn.invalidations) == 1


def test_fault_switch_suppresses_invalidations_while_its_budget_lasts(world: Callable[..., World]) -> None:
    w = world()
    w.store.faults[SUPPRESS_FAULT] = 1
    deps = type(w.deps)(**{**w.deps.__dict__, "cdn": FaultInjectingCdn(w.cdn, w.store.take_fault)})

    assert distribute(sqs_event([merged("acme", "arm", "1.0.0")]), deps) == {"batchItemFailures": []}
    assert w.cdn.invalidations == []  # never reached CloudFront, yet the recipe is distributed
    assert [(e.payload.invalidation_id or "").startswith("suppressed-") for e in distributed(w)] == [True]
    assert distribute(sqs_event([merged("acme", "arm", "1.1.0")]), deps) == {"batchItemFailures": []}
    assert w.cdn.invalidations == [("/artifacts/acme/arm/latest.json",)]


class SimulatedCrash(BaseException):
    """The process died: no ``except Exception`` and no batch response runs."""


def crash() -> None:
    raise SimulatedCrash


def test_a_crash_between_the_invalidation_and_its_record_makes_no_second_one(world: Callable[..., World]) -> None:
    # Fault class: distributor killed between CreateInvalidation and recording it; the
    # retries land in batches of another composition (another content-derived reference).
    w = world()
    w.store.faults[CRASH_FAULT] = 1
    deps = type(w.deps)(**{**w.deps.__dict__, "cdn": FaultInjectingCdn(w.cdn, w.store.take_fault, crash)})
    a, b, c = merged("acme", "a", "1.0.0"), merged("acme", "b", "1.0.0"), merged("acme", "c", "1.0.0")
    with pytest.raises(SimulatedCrash):
        distribute(sqs_event([a, b]), deps)
    assert len(w.cdn.invalidations) == 1 and w.store.find_invalidation(next(iter(w.cdn.created))) is None

    assert distribute({"Records": [sqs_record(a, receive_count=2), sqs_record(c)]}, deps) == {"batchItemFailures": []}
    assert distribute({"Records": [sqs_record(b, receive_count=2)]}, deps) == {"batchItemFailures": []}

    assert sorted(w.cdn.invalidations) == [
        ("/artifacts/acme/a/latest.json", "/artifacts/acme/b/latest.json"),
        ("/artifacts/acme/c/latest.json",),
    ]
    ids = {e.recipe_id: e.payload.invalidation_id for e in distributed(w)}
    assert ids[a.recipe_id] == ids[b.recipe_id] != ids[c.recipe_id]
    assert invalidation_usage(w.store, NOW).paths == 3  # counted once
