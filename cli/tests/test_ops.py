"""``circulion ops``: alarm evaluation, stuck recipes, the text screen and the watch frame."""

from __future__ import annotations

import io as stdio
from datetime import UTC, datetime, timedelta

from circulion.pipeline_queues import CONSUMED_QUEUES
from circulion_cli.commands import Io
from circulion_cli.errors import AwsAccessFailed, QueueUnreadable
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
        _row("f", "WITHDRAWN", 4000),  # an admin's decision: terminal until restored
        _row("g", "ABORTED", 4000),
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


class _Sqs:
    """SQS holding the pipeline's queues plus a probe queue, refusing or missing some names."""

    def __init__(self, *, refuse: str = "", missing: str = "", throttle: bool = False) -> None:
        self.refuse, self.missing, self.throttle = refuse, missing, throttle
        self.existing = {*CONSUMED_QUEUES, *(q + "-dlq" for q in CONSUMED_QUEUES), "circulion-test-probe-1"}

    def list_queues(self, **_: object) -> dict[str, object]:  # what the old prefix listing read
        return {"QueueUrls": [f"http://sqs/1/{name}" for name in sorted(self.existing)]}

    def get_queue_url(self, QueueName: str) -> dict[str, str]:  # noqa: N803 - boto3's name
        from botocore.exceptions import ClientError

        if QueueName == self.missing or QueueName not in self.existing:
            error = {"Code": "AWS.SimpleQueueService.NonExistentQueue", "Message": "gone"}
            raise ClientError({"Error": error}, "GetQueueUrl")
        return {"QueueUrl": f"http://sqs/1/{QueueName}"}

    def get_queue_attributes(self, QueueUrl: str, **_: object) -> dict[str, object]:  # noqa: N803 - boto3's name
        from botocore.exceptions import ClientError

        if self.throttle:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "GetQueueAttributes")
        if QueueUrl.endswith("/" + self.refuse):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetQueueAttributes")
        depth = "2" if QueueUrl.endswith("/circulion-splitter") else "0"
        return {"Attributes": {"ApproximateNumberOfMessages": depth, "ApproximateNumberOfMessagesNotVisible": "1"}}


class _Metrics:
    def series(self, *_: object) -> dict[str, list[float]]:
        return {"circulion-splitter": [12.0]}


def test_ops_lists_exactly_the_consumed_queues_and_their_dlqs_never_a_probe_queue() -> None:
    from circulion_cli.ops_queues import read_queues

    queues = read_queues(_Sqs(), _Metrics())  # type: ignore[arg-type]
    names = [q.name for q in queues]
    assert names == sorted(CONSUMED_QUEUES) + sorted(q + "-dlq" for q in CONSUMED_QUEUES)
    assert "circulion-test-probe-1" not in names
    (splitter,) = [q for q in queues if q.name == "circulion-splitter"]
    assert (splitter.depth, splitter.in_flight, splitter.oldest_age_s) == (2, 1, 12.0)


def test_a_pipeline_queue_the_operator_may_not_read_fails_the_snapshot_naming_it() -> None:
    import pytest

    from circulion_cli.ops_queues import read_queues

    with pytest.raises(QueueUnreadable) as refused:
        read_queues(_Sqs(refuse="circulion-merger-dlq"), _Metrics())  # type: ignore[arg-type]
    assert refused.value.code == "queue_unreadable" and "circulion-merger-dlq may not be read" in refused.value.message
    assert "deploy/operator_role.py" in (refused.value.hint or "")
    with pytest.raises(QueueUnreadable) as missing:
        read_queues(_Sqs(missing="circulion-distributor"), _Metrics())  # type: ignore[arg-type]
    assert missing.value.message == "the pipeline queue circulion-distributor does not exist"


def test_any_other_refusal_still_fails_the_snapshot() -> None:
    import pytest
    from botocore.exceptions import ClientError

    from circulion_cli.ops_queues import read_queues

    with pytest.raises(ClientError):
        read_queues(_Sqs(throttle=True), _Metrics())  # type: ignore[arg-type]
