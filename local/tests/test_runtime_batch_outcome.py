"""Lambda's partial batch response rules."""

from __future__ import annotations

import pytest

from circulion_local.runtime.batch_outcome import Outcome, interpret, verdict

IDS = ["a", "b", "c"]


@pytest.mark.parametrize("response", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}, {"x": 1}])
def test_success_responses_delete_everything(response: object) -> None:
    result = interpret(IDS, response)
    assert result.outcome is Outcome.OK
    assert result.succeeded == ("a", "b", "c")
    assert result.failed == ()


def test_reported_failures_are_kept_and_the_rest_deleted() -> None:
    result = interpret(IDS, {"batchItemFailures": [{"itemIdentifier": "b"}]})
    assert result.outcome is Outcome.PARTIAL
    assert result.succeeded == ("a", "c")
    assert result.failed == ("b",)


def test_every_record_reported_is_a_failed_batch() -> None:
    result = interpret(IDS, {"batchItemFailures": [{"itemIdentifier": i} for i in IDS]})
    assert result.outcome is Outcome.FAILED
    assert result.succeeded == ()


@pytest.mark.parametrize(
    "response",
    [
        "ok",
        ["a"],
        {"batchItemFailures": "a"},
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"id": "a"}]},
        {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]},
        {"batchItemFailures": ["a"]},
    ],
)
def test_malformed_responses_fail_the_whole_batch(response: object) -> None:
    result = interpret(IDS, response)
    assert result.outcome is Outcome.FAILED
    assert result.succeeded == ()
    assert result.failed == ("a", "b", "c")
    assert result.reason is not None
    assert result.reason.startswith("malformed")


@pytest.mark.parametrize(
    ("status", "outcome"),
    [("error", Outcome.FAILED), ("timeout", Outcome.TIMEOUT), ("crashed", Outcome.CRASHED)],
)
def test_errors_timeouts_and_crashes_delete_nothing(status: str, outcome: Outcome) -> None:
    result = verdict(IDS, status, {"batchItemFailures": []}, "boom")
    assert result.outcome is outcome
    assert result.succeeded == ()
    assert result.reason == "boom"


def test_returned_response_is_interpreted() -> None:
    assert verdict(IDS, "returned", None).succeeded == ("a", "b", "c")
