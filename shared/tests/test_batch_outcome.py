"""The batch processor's outcome per record, and its follow-up hook, against in-memory fakes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from circulion.adapters.event_bus import Publisher
from circulion.batch import (
    BatchOutcome,
    Consumer,
    Fate,
    FollowUp,
    RecordOutcome,
    for_each_record,
    process_batch,
    receive_count,
    sqs_records,
)
from circulion.contracts import Envelope, RecipeMergeStarted, RecipeMergeStartedPayload
from circulion.errors import MalformedMessage, PermanentError, RetryLater
from circulion.lambda_types import SqsRecord
from circulion.messages import parse_record
from circulion.testing import InMemoryDeadLetters, InMemoryEventBus, sqs_event, sqs_record

CONSUMER = Consumer(service="test", function="handle", stage="merge")


@dataclass
class Deps:
    bus: InMemoryEventBus = field(default_factory=InMemoryEventBus)
    dead_letters: InMemoryDeadLetters = field(default_factory=InMemoryDeadLetters)
    calls: list[str] = field(default_factory=list)

    @property
    def publisher(self) -> Publisher:
        return Publisher(self.bus)


def started(recipe_id: str, total: int = 1) -> RecipeMergeStarted:
    return RecipeMergeStarted(
        recipe_id=recipe_id, tenant_id="acme", payload=RecipeMergeStartedPayload(total_chunks=total)
    )


def handler(message: RecipeMergeStarted, deps: Deps) -> Sequence[Envelope]:
    """By ``total_chunks``: 2 flaky, 3 permanent, 4 contention; otherwise republish."""
    deps.calls.append(f"first {message.recipe_id}")
    match message.payload.total_chunks:
        case 2:
            raise RuntimeError("flaky dependency")
        case 3:
            raise PermanentError("cannot ever work", code="broken_input")
        case 4:
            raise RetryLater("held", delay_seconds=5, abandon_when_exhausted=True, code="lease_held")
    return [message]


def test_each_record_has_its_message_fate_and_error() -> None:
    deps = Deps()
    event = sqs_event([started("ok"), started("flaky", 2), started("bad", 3), started("busy", 4), "{junk"])
    outcome = process_batch(event, RecipeMergeStarted, handler, deps, CONSUMER)

    assert [(o.message.recipe_id if o.message else None, o.fate) for o in outcome.records] == [
        ("ok", Fate.SUCCEEDED),
        ("flaky", Fate.RETRIED),
        ("bad", Fate.RECIPE_FAILED),
        ("busy", Fate.DELAYED),
        (None, Fate.DEAD_LETTERED),
    ]
    assert [o.record for o in outcome.records] == event["Records"]
    assert all(o.record is r for o, r in zip(outcome.records, event["Records"], strict=True))
    errors = [o.error for o in outcome.records]
    assert errors[0] is None
    assert isinstance(errors[1], RuntimeError) and isinstance(errors[2], PermanentError)
    assert isinstance(errors[3], RetryLater) and isinstance(errors[4], MalformedMessage)
    assert [m.recipe_id for m in outcome.success_messages] == ["ok"]
    assert [o.fate for o in outcome.failed] == [Fate.RETRIED, Fate.RECIPE_FAILED, Fate.DELAYED, Fate.DEAD_LETTERED]
    retried = [event["Records"][1]["messageId"], event["Records"][3]["messageId"]]
    assert outcome.response() == {"batchItemFailures": [{"itemIdentifier": i} for i in retried]}


def test_the_last_receives_dead_letter_or_abandon() -> None:
    records = [sqs_record(started("flaky", 2), receive_count=3), sqs_record(started("busy", 4), receive_count=3)]
    outcome = process_batch({"Records": records}, RecipeMergeStarted, handler, Deps(), CONSUMER)
    assert [o.fate for o in outcome.records] == [Fate.DEAD_LETTERED, Fate.ABANDONED]
    assert all(o.deleted for o in outcome.records) and outcome.response() == {"batchItemFailures": []}


def test_for_each_record_answers_the_outcomes_response() -> None:
    event = sqs_event([started("ok"), started("flaky", 2), started("busy", 4)])
    expected = process_batch(event, RecipeMergeStarted, handler, Deps(), CONSUMER).response()
    assert for_each_record(event, RecipeMergeStarted, handler, Deps(), CONSUMER) == expected
    assert len(expected["batchItemFailures"]) == 2


def second(message: RecipeMergeStarted, deps: Deps) -> Sequence[Envelope]:
    deps.calls.append(f"second {message.recipe_id}")
    if message.recipe_id == "late-flaky":
        raise RuntimeError("second stage failed")
    return []


def test_the_follow_up_runs_after_the_whole_batch_on_the_records_its_hook_keeps() -> None:
    deps = Deps()
    parsed: list[str] = []

    def parse(record: SqsRecord) -> Envelope:
        parsed.append(record["messageId"])
        return parse_record(record, expect=RecipeMergeStarted)

    def after(first: BatchOutcome) -> list[RecordOutcome]:
        deps.calls.append("hook")
        return [o for o in first.records if o.fate is Fate.SUCCEEDED]

    event = sqs_event([started("a"), started("flaky", 2), started("late-flaky"), started("b")])
    outcome = process_batch(
        event, RecipeMergeStarted, handler, deps, CONSUMER, parse=parse, then=FollowUp(after, second)
    )

    assert deps.calls == [
        "first a",
        "first flaky",
        "first late-flaky",
        "first b",
        "hook",
        "second a",
        "second late-flaky",
        "second b",
    ]
    assert parsed == [r["messageId"] for r in event["Records"]]  # each record parsed once
    assert [o.message.recipe_id for o in outcome.followed if o.message] == ["a", "late-flaky", "b"]
    assert [(o.message.recipe_id if o.message else None, o.fate) for o in outcome.records] == [
        ("flaky", Fate.RETRIED),
        ("a", Fate.SUCCEEDED),
        ("late-flaky", Fate.RETRIED),
        ("b", Fate.SUCCEEDED),
    ]
    ids = [event["Records"][1]["messageId"], event["Records"][2]["messageId"]]
    assert outcome.response() == {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}


def test_a_follow_up_needs_parsed_messages() -> None:
    def after(first: BatchOutcome) -> Sequence[RecordOutcome]:
        return first.records

    with pytest.raises(ValueError, match="no message"):
        process_batch(sqs_event(["{junk"]), RecipeMergeStarted, handler, Deps(), CONSUMER, then=FollowUp(after, second))


class ChaliceLikeEvent:
    def __init__(self, raw: dict[str, list[SqsRecord]]) -> None:
        self._raw = raw

    def to_dict(self) -> dict[str, list[SqsRecord]]:
        return self._raw


def test_records_and_receive_counts_read_from_either_event_shape() -> None:
    record = sqs_record(started("x"), receive_count=3)
    assert sqs_records(ChaliceLikeEvent({"Records": [record]})) == [record]
    assert sqs_records({"Records": [record]})[0] is record
    assert receive_count(record) == 3
    del record["attributes"]["ApproximateReceiveCount"]
    assert receive_count(record) == 1
