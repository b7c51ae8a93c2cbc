"""A withdraw/restore command is never lost: noted, settled by its outcome, re-sent by the sweep."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from app import app
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.deps import Deps
from chalicelib.dynamo_outbox import DynamoCommandOutbox
from chalicelib.outbox import CommandOutbox, PendingCommand
from circulion.contracts import Envelope, PointerChangePayload, RecipeWithdrawalRequested, RecipeWithdrawn
from circulion.errors import TransientError
from circulion.testing import scheduled_event, sqs_event
from tests.conftest import World
from tests.fakes import utc
from tests.name_fakes import InMemoryCommandOutbox
from tests.test_fleet_app import call, distributed
from tests.test_store import TABLE, _dynamo


class Clock:
    def __init__(self) -> None:
        self.now = utc(2026, 12, 1)

    def __call__(self) -> datetime:
        return self.now


class FlakyPublisher:
    """Fails its first ``failures`` publishes, as a process dying before SNS answered would."""

    def __init__(self, inner: Any, failures: int) -> None:
        self._inner = inner
        self.failures = failures

    def publish(self, messages: Sequence[Envelope]) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise TransientError("SNS unreachable")
        self._inner.publish(messages)


@pytest.fixture
def clock(world: World, wire: Callable[[Deps], Deps]) -> Clock:
    c = Clock()
    wire(replace(world.deps, clock=c))
    return c


def commands(world: World) -> list[RecipeWithdrawalRequested]:
    return [e for e in world.bus.events if isinstance(e, RecipeWithdrawalRequested)]


def test_a_withdrawal_whose_publish_failed_is_resent_by_the_sweep(
    world: World, clock: Clock, wire: Callable[[Deps], Deps]
) -> None:
    with Client(app) as client:
        rid = distributed(client, world, "1.0.0")
        wire(replace(bootstrap.deps(), publisher=FlakyPublisher(world.deps.publisher, 1)))
        r = call(client, world, "POST", f"/recipes/{rid}/withdraw", {"reason": "bad"}, role="admin")
        assert r.status_code == 503, r.body
        assert world.store.recipes[rid].status.value == "WITHDRAWN" and commands(world) == []
        assert client.lambda_.invoke("resend_commands", scheduled_event()).payload == {"resent": 0}  # not due yet
        clock.now += timedelta(seconds=61)
        assert client.lambda_.invoke("resend_commands", scheduled_event()).payload == {"resent": 1}
        assert [(c.recipe_id, c.payload.sequence, c.payload.reason) for c in commands(world)] == [(rid, 1, "bad")]

        outcome = RecipeWithdrawn(
            recipe_id=rid,
            tenant_id="acme",
            payload=PointerChangePayload(
                name="cell-a",
                version="1.0.0",
                sequence=1,
                generation=1,
                pointer_path="/artifacts/acme/cell-a/latest.json",
                live_version=None,
            ),
        )
        assert client.lambda_.invoke("track_status", sqs_event([outcome])).payload == {"batchItemFailures": []}
        assert world.outbox.pending == {}
        clock.now += timedelta(seconds=120)
        assert client.lambda_.invoke("resend_commands", scheduled_event()).payload == {"resent": 0}


def test_a_note_whose_write_never_happened_is_dropped(world: World, clock: Clock) -> None:
    with Client(app) as client:
        rid = distributed(client, world, "1.0.0")
        world.outbox.note(PendingCommand(rid, 1, clock.now))
        assert client.lambda_.invoke("resend_commands", scheduled_event()).payload == {"resent": 0}
        assert world.outbox.pending == {} and commands(world) == []
        assert json.loads(call(client, world, "GET", f"/recipes/{rid}").body)["status"] == "DISTRIBUTED"


@pytest.fixture(params=["memory", "dynamodb"])
def outbox(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        yield InMemoryCommandOutbox()
        return
    for store in _dynamo():
        yield DynamoCommandOutbox(store._db, TABLE)  # type: ignore[attr-defined]


def test_outbox_contract(outbox: CommandOutbox) -> None:
    t = utc(2026, 12, 1)
    outbox.note(PendingCommand("a", 1, t))
    outbox.note(PendingCommand("b", 1, t + timedelta(minutes=5), resends=3))
    assert [c.recipe_id for c in outbox.due(t + timedelta(seconds=1), 10)] == ["a"]
    outbox.note(PendingCommand("a", 2, t))  # a newer request replaces the note
    outbox.settle("a", 1)  # the old one's outcome: keeps the newer note
    assert [(c.recipe_id, c.sequence) for c in outbox.due(t + timedelta(minutes=6), 10)] == [("a", 2), ("b", 1)]
    outbox.settle("a", 2)
    outbox.settle("a", 2)  # idempotent
    assert [(c.recipe_id, c.resends) for c in outbox.due(t + timedelta(minutes=6), 10)] == [("b", 3)]


def test_a_command_never_confirmed_stops_being_resent(world: World, clock: Clock) -> None:
    with Client(app) as client:
        rid = distributed(client, world, "1.0.0")
        call(client, world, "POST", f"/recipes/{rid}/withdraw", {"reason": "bad"}, role="admin")
        sent = 0
        for _ in range(15):
            clock.now += timedelta(seconds=61)
            sent += client.lambda_.invoke("resend_commands", scheduled_event()).payload["resent"]
        assert sent == 10 and world.outbox.pending == {}
        assert len(commands(world)) == 11  # the request's own, then ten re-sends
