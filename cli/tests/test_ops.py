"""``circulion ops``: alarm evaluation, stuck recipes, the text screen and the watch frame."""

from __future__ import annotations

import io as stdio
from datetime import UTC, datetime, timedelta

from circulion_cli.commands import Io
from circulion_cli.errors import AwsAccessFailed
from circulion_cli.ops import OpsSnapshot
from circulion_cli.ops_alarms import AlarmDefinition, AlarmState, evaluate
from circulion_cli.ops_metrics import Percentiles
from circulion_cli.ops_queues import QueueHealth
from circulion_cli.ops_recipes import RecipeRow, summarise
from circulion_cli.ops_render import render_snapshot
from circulion_cli.ops_watch import CLEAR_BELOW, HOME, frame, watch

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)


def _alarm(**fields: object) -> AlarmDefinition:
    base: dict[str, object] = {
        "AlarmName": "circulion-merger-dlq-not-empty",
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Dimensions": [{"Name": "QueueName", "Value": "circulion-merger-dlq"}],
        "Statistic": "Maximum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
    }
    return AlarmDefinition.from_api({**base, **fields})


def test_a_dlq_alarm_fires_on_one_message_and_clears_on_zero() -> None:
    assert evaluate(_alarm(), [1.0])[0] == "ALARM"
    assert evaluate(_alarm(), [0.0, 1.0])[0] == "OK"  # only the latest period counts
    assert evaluate(_alarm(), [])[0] == "OK"  # missing data is not breaching


def test_m_out_of_n_and_missing_data_rules() -> None:
    age = _alarm(EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=300.0, ComparisonOperator="GreaterThanThreshold")
    assert evaluate(age, [301.0, 10.0, 302.0])[0] == "ALARM"
    assert evaluate(age, [301.0, 10.0, 10.0])[0] == "OK"
    assert evaluate(_alarm(TreatMissingData="missing"), [])[0] == "INSUFFICIENT_DATA"
    assert evaluate(_alarm(TreatMissingData="breaching", EvaluationPeriods=2), [])[0] == "ALARM"
    slo = _alarm(ExtendedStatistic="p99", Statistic=None, Threshold=10000.0, ComparisonOperator="GreaterThanThreshold")
    assert slo.stat == "p99" and evaluate(slo, [12000.0])[0] == "ALARM"


def _row(recipe_id: str, status: str, idle_s: float, **fields: object) -> RecipeRow:
    return RecipeRow(recipe_id, "acme", "arm", status, NOW - timedelta(seconds=idle_s), **fields)  # type: ignore[arg-type]


def test_stuck_means_in_the_pipeline_and_unchanged_for_longer_than_the_threshold() -> None:
    rows = [
        _row("a", "PROCESSING", 400, last_milestone="split", chunks="1/2"),
        _row("b", "PROCESSING", 10),
        _row("c", "AWAITING_UPLOAD", 4000),  # waiting for the customer, not for us
        _row("d", "FAILED", 600, errors=({"stage": "merge", "code": "inconsistent_chunks"},)),
        _row("e", "DISTRIBUTED", 7200),  # outside the hour
    ]
    summary = summarise(rows, NOW, timedelta(seconds=300), timedelta(hours=1))
    assert [s.recipe.recipe_id for s in summary.stuck] == ["a"]
    assert summary.stuck[0].as_json()["hint"] == "circulion trace a"
    assert summary.by_status == {"FAILED": 1, "PROCESSING": 2}
    assert [r.recipe_id for r in summary.failures] == ["d"]


def _snapshot() -> OpsSnapshot:
    rows = [_row("a", "PROCESSING", 400, last_milestone="split", chunks="1/2")]
    return OpsSnapshot(
        taken_at=NOW,
        where="http://127.0.0.1:4566",
        queues=[QueueHealth("circulion-merger", 3, 1, 12.0), QueueHealth("circulion-merger-dlq", 1, 0, 40.0)],
        alarms=[AlarmState("circulion-merger-dlq-not-empty", "ALARM", "1 of 1", "X", 1.0, 1.0, "circulion ops")],
        recipes=summarise(rows, NOW, timedelta(seconds=300), timedelta(hours=1)),
        latencies=[Percentiles("stage merge", 120.0, 2400.0, 7)],
    )


def test_the_screen_names_queues_alarms_stuck_recipes_and_percentiles() -> None:
    text = render_snapshot(_snapshot())
    assert "1 ALARM(S), 1 STUCK" in text
    assert "circulion-merger-dlq" in text and "<- circulion dlq list" in text
    assert "ALARM             circulion-merger-dlq-not-empty" in text
    assert "-> circulion trace a" in text and "last stage split" in text
    assert "120 ms" in text and "2.40 s" in text
    json_view = _snapshot().as_json()
    assert json_view["healthy"] is False
    assert [q["name"] for q in json_view["dlqs"]] == ["circulion-merger-dlq"]  # type: ignore[index]


def test_a_frame_overwrites_the_previous_one_within_the_window() -> None:
    drawn = frame("a" * 100 + "\nsecond\nthird", columns=10, rows=3)
    assert drawn.startswith(HOME) and drawn.endswith(CLEAR_BELOW)
    assert "a" * 11 not in drawn and "third" not in drawn  # cut to 10 columns and rows - 1 lines


def test_without_a_terminal_the_watch_prints_plain_lines_until_interrupted() -> None:
    out = stdio.StringIO()
    taken = []

    def take() -> OpsSnapshot:
        taken.append(1)
        if len(taken) == 2:
            raise AwsAccessFailed("AWS unreachable: connection refused")
        if len(taken) == 4:
            raise KeyboardInterrupt
        return _snapshot()

    assert watch(take, Io(out, stdio.StringIO()), 0, as_json=False) == 0
    text = out.getvalue()
    assert text.count("circulion ops  ") == 2 and "\x1b[" not in text
    assert "refresh failed: AWS unreachable: connection refused (retrying)" in text


def test_a_queue_the_operator_may_not_read_is_not_the_pipelines_and_is_left_out() -> None:
    from botocore.exceptions import ClientError

    from circulion_cli.ops_queues import read_queues

    base = "http://sqs/123456789012/"

    class Sqs:
        def list_queues(self, **_: object) -> dict[str, object]:
            names = ("circulion-splitter", "circulion-test-probe-1", "circulion-gone")
            return {"QueueUrls": [base + name for name in names]}

        def get_queue_attributes(self, QueueUrl: str, **_: object) -> dict[str, object]:  # noqa: N803 - boto3's name
            if QueueUrl.endswith("probe-1"):
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetQueueAttributes")
            if QueueUrl.endswith("gone"):
                raise ClientError({"Error": {"Code": "QueueDoesNotExist", "Message": "no"}}, "GetQueueAttributes")
            return {"Attributes": {"ApproximateNumberOfMessages": "2", "ApproximateNumberOfMessagesNotVisible": "1"}}

    class Metrics:
        def series(self, *_: object) -> dict[str, list[float]]:
            return {"circulion-splitter": [12.0]}

    (queue,) = read_queues(Sqs(), Metrics())  # type: ignore[arg-type]
    assert (queue.name, queue.depth, queue.in_flight, queue.oldest_age_s) == ("circulion-splitter", 2, 1, 12.0)


def test_any_other_refusal_still_fails_the_snapshot() -> None:
    from botocore.exceptions import ClientError

    from circulion_cli.ops_queues import read_queues

    class Sqs:
        def list_queues(self, **_: object) -> dict[str, object]:
            return {"QueueUrls": ["http://sqs/1/circulion-splitter"]}

        def get_queue_attributes(self, **_: object) -> dict[str, object]:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "GetQueueAttributes")

    class Metrics:
        def series(self, *_: object) -> dict[str, list[float]]:
            return {}

    import pytest

    with pytest.raises(ClientError):
        read_queues(Sqs(), Metrics())  # type: ignore[arg-type]
