"""The Chalice app: the distribute function's wiring, invoked as Lambda would."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from app import BATCH_SIZE, app
from chalice.app import SQSEventConfig
from chalice.test import Client
from conftest import World, merged

from chalicelib.deps import Deps


@pytest.fixture
def installed(world: Callable[..., World], wire: Callable[[Deps], Deps]) -> World:
    w = world()
    wire(w.deps)
    return w


def test_distribute_takes_what_the_poller_hands_over_without_waiting() -> None:
    (source,) = [s for s in app.event_sources if isinstance(s, SQSEventConfig)]
    assert source.queue == "circulion-distributor"
    assert source.batch_size == BATCH_SIZE <= 10  # SQS's most without a batching window
    assert not source.maximum_batching_window_in_seconds


def test_distribute_invocation_publishes_and_returns_partial_failures(installed: World) -> None:
    messages = [merged("acme", f"n{i}", "1.0.0").to_json() for i in range(3)]
    with Client(app) as client:
        event = client.events.generate_sqs_event(message_bodies=[*messages, "{}"], queue_name="circulion-distributor")
        response = client.lambda_.invoke("distribute", event)

    assert response.payload == {"batchItemFailures": []}
    assert len(installed.cdn.invalidations) == 1
    assert len(installed.bus.of_type("recipe.distributed")) == 3
    assert len(installed.dead_letters.sent) == 1  # "{}" is no message
