"""The batch processor's outcome per record, and its follow-up hook, against in-memory fakes."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from batch_fakes import Deps, started

from circulion.batch import (
    BatchOutcome,
    BatchProcessor,
    Consumer,
    Fate,
    FollowUp,
    RecordOutcome,
    for_each_record,
    receive_count,
    sqs_records,
)
from circulion.contracts import Envelope, RecipeMergeStarted
from circulion.errors import MalformedMessage, PermanentError, RetryLater
from circulion.lambda_types import SqsRecord
from circulion.messages import parse_record
from circulion.testing import sqs_event, sqs_record

CONSUMER = Consumer(service="test", function="handle", stage="merge")


def handler(message: RecipeMergeStarted, deps: Deps) -> Sequence[Envelope]:
    """By ``total_chunks``: 2 flaky, 3 permanent, 4 contention; otherwise republish."""
    deps.seen.append(f"first {message.recipe_id}")
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
    outcome = BatchProcessor(RecipeMergeStarted, deps, CONSUMER).process(event, handler)

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
    outcome = BatchProcessor(RecipeMergeStarted, Deps(), CONSUMER).process({"Records": records}, handler)
    assert [o.fate for o in outcome.records] == [Fate.DEAD_LETTERED, Fate.ABANDONED]
    assert all(o.deleted for o in outcome.records) and outcome.response() == {"batchItemFailures": []}


def test_for_each_record_answers_the_outcomes_response() -> None:
    event = sqs_event([started("ok"), started("flaky", 2), started("busy", 4)])
    expected = BatchProcessor(RecipeMergeStarted, Deps(), CONSUMER).process(event, handler).response()
    assert for_each_record(event, RecipeMergeStarted, handler, Deps(), CONSUMER) == expected
    assert len(expected["batchItemFailures"]) == 2


def second(message: RecipeMergeStarted, deps: Deps) -> Sequence[Envelope]:
    deps.seen.append(f"second {message.recipe_id}")
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
        deps.seen.append("hook")
        return [o for o in first.records if o.fate is Fate.SUCCEEDED]

    event = sqs_event([started("a"), started("flaky", 2), started("late-flaky"), started("b")])
    processor = BatchProcessor(RecipeMergeStarted, deps, CONSUMER, parse=parse)
    outcome = processor.process(event, handler, then=FollowUp(after, second))

    assert deps.seen == [
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

    processor = BatchProcessor(RecipeMergeStarted, Deps(), CONSUMER)
    with pytest.raises(ValueError, match="no message"):
        processor.process(sqs_event(["{junk"]), handler, then=FollowUp(after, second))


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
