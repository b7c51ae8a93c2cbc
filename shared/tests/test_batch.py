"""The batch processor's record fates, against in-memory fakes."""

from __future__ import annotations

from collections.abc import Sequence

from batch_fakes import Deps, started

from circulion.batch import Consumer, for_each_record
from circulion.contracts import Envelope, RecipeFailed, RecipeMergeStarted
from circulion.errors import PermanentError
from circulion.testing import sqs_event, sqs_record

CONSUMER = Consumer(service="test", function="handle", stage="merge")


def handler(message: RecipeMergeStarted, deps: Deps) -> Sequence[Envelope]:
    deps.seen.append(message.recipe_id)
    if message.payload.total_chunks == 2:
        raise RuntimeError("flaky dependency")
    if message.payload.total_chunks == 3:
        raise PermanentError("cannot ever work", code="broken_input")
    return [message]


def test_only_failed_records_are_reported() -> None:
    deps = Deps()
    event = sqs_event([started("ok-1"), started("flaky", 2), started("ok-2")])
    response = for_each_record(event, RecipeMergeStarted, handler, deps, CONSUMER)
    flaky_id = event["Records"][1]["messageId"]
    assert response == {"batchItemFailures": [{"itemIdentifier": flaky_id}]}
    assert deps.seen == ["ok-1", "flaky", "ok-2"]
    assert [e.recipe_id for e in deps.bus.events] == ["ok-1", "ok-2"]


def test_permanent_error_fails_the_recipe_and_deletes_the_record() -> None:
    deps = Deps()
    response = for_each_record(sqs_event([started("bad", 3)]), RecipeMergeStarted, handler, deps, CONSUMER)
    assert response == {"batchItemFailures": []}
    [failed] = deps.bus.events
    assert isinstance(failed, RecipeFailed)
    assert failed.payload.reason == "broken_input" and failed.recipe_id == "bad"


def test_last_attempt_moves_to_dlq_with_reason_and_fails_recipe() -> None:
    deps = Deps()
    record = sqs_record(started("flaky", 2), receive_count=3)
    response = for_each_record({"Records": [record]}, RecipeMergeStarted, handler, deps, CONSUMER)
    assert response == {"batchItemFailures": []}
    [(moved, reason, function)] = deps.dead_letters.sent
    assert moved is record and "flaky dependency" in reason and function == "handle"
    [failed] = deps.bus.events
    assert isinstance(failed, RecipeFailed) and failed.payload.reason == "retries_exhausted"


def test_malformed_record_goes_to_dlq_without_running_handler() -> None:
    deps = Deps()
    response = for_each_record(sqs_event(["{not json"]), RecipeMergeStarted, handler, deps, CONSUMER)
    assert response == {"batchItemFailures": []}
    assert deps.seen == []
    assert "malformed_message" in deps.dead_letters.sent[0][1]


def test_sns_wrapped_records_are_unwrapped() -> None:
    deps = Deps()
    record = sqs_record(started("wrapped"), sns_wrapped=True)
    for_each_record({"Records": [record]}, RecipeMergeStarted, handler, deps, CONSUMER)
    assert deps.seen == ["wrapped"]
