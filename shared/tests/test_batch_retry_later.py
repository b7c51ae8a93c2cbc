"""RetryLater: contention is retried after the delay the handler asks, and is no fault."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from circulion import tracing
from circulion.adapters.event_bus import Publisher
from circulion.batch import Consumer, for_each_record
from circulion.contracts import Envelope, RecipeMergeStarted, RecipeMergeStartedPayload
from circulion.errors import RetryLater
from circulion.lambda_types import SqsRecord
from circulion.testing import InMemoryDeadLetters, InMemoryEventBus, sqs_record
from circulion.testing.tracing import CapturingEmitter

CONSUMER = Consumer(service="merger", function="coordinate", stage="merge")


@dataclass
class Deps:
    bus: InMemoryEventBus = field(default_factory=InMemoryEventBus)
    dead_letters: InMemoryDeadLetters = field(default_factory=InMemoryDeadLetters)

    @property
    def publisher(self) -> Publisher:
        return Publisher(self.bus)


@dataclass
class RecordingRetries:
    delays: list[tuple[str, int]] = field(default_factory=list)

    def delay(self, record: SqsRecord, seconds: int) -> None:
        self.delays.append((record["messageId"], seconds))


def busy(message: RecipeMergeStarted, deps: Deps) -> Sequence[Envelope]:
    raise RetryLater("held by another invocation", delay_seconds=7, abandon_when_exhausted=True, code="lease_held")


def _record(receive_count: int = 1) -> SqsRecord:
    payload = RecipeMergeStartedPayload(total_chunks=1)
    return sqs_record(
        RecipeMergeStarted(recipe_id="r-busy", tenant_id="acme", payload=payload), receive_count=receive_count
    )


@pytest.fixture
def sent() -> Iterator[list[dict[str, Any]]]:
    emitter = CapturingEmitter()
    tracing.configure("merger", emitter=emitter)
    yield emitter.documents
    tracing.configure("merger", enabled=False)


def test_a_record_that_meets_contention_comes_back_after_the_delay_asked(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="circulion.batch")
    deps, retries, record = Deps(), RecordingRetries(), _record()
    response = for_each_record({"Records": [record]}, RecipeMergeStarted, busy, deps, CONSUMER, retries=retries)
    assert response == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert retries.delays == [(record["messageId"], 7)]
    assert deps.bus.events == [] and deps.dead_letters.sent == []
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")]
    assert any("contention" in r.getMessage() for r in caplog.records)


def test_contention_is_not_a_fault_in_x_ray(sent: list[dict[str, Any]]) -> None:
    for_each_record({"Records": [_record()]}, RecipeMergeStarted, busy, Deps(), CONSUMER, retries=RecordingRetries())
    [doc] = [d for d in sent if d.get("name") == "merger.coordinate"]
    assert doc.get("fault") is not True and doc.get("error") is not True


def test_on_its_last_receive_an_abandonable_record_is_deleted_not_dead_lettered() -> None:
    deps, retries = Deps(), RecordingRetries()
    response = for_each_record({"Records": [_record(3)]}, RecipeMergeStarted, busy, deps, CONSUMER, retries=retries)
    assert response == {"batchItemFailures": []}
    assert deps.dead_letters.sent == [] and deps.bus.events == [] and retries.delays == []
