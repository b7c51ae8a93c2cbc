"""The pipeline's alarms and their states: read from CloudWatch on AWS, evaluated here locally.

The local emulator stores alarm definitions but never evaluates them, so against an
endpoint URL :func:`evaluate` applies each definition (statistic, period, threshold,
comparison, datapoints to alarm, missing data) to the emulator's metrics, as CloudWatch
would. One deliberate difference: ``AWS/SQS`` metrics are gauges the emulator samples every
few seconds, so locally they are evaluated over :data:`LOCAL_GAUGE_PERIOD_S`-second
periods instead of the alarm's minute: a DLQ that was just redriven reads ``OK`` within
seconds, not after the next full minute.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from circulion_cli.ops_metrics import MetricQuery, MetricReader

ALARM_PREFIX = "circulion-"
LOCAL_GAUGE_PERIOD_S = 10
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


@dataclass(frozen=True)
class AlarmDefinition:
    name: str
    namespace: str
    metric: str
    dimensions: dict[str, str]
    stat: str
    period_s: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing: str
    state: str
    reason: str

    @classmethod
    def from_api(cls, alarm: dict[str, Any]) -> AlarmDefinition:
        periods = int(alarm.get("EvaluationPeriods", 1))
        return cls(
            name=str(alarm["AlarmName"]),
            namespace=str(alarm.get("Namespace", "")),
            metric=str(alarm.get("MetricName", "")),
            dimensions={d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])},
            stat=str(alarm.get("ExtendedStatistic") or alarm.get("Statistic") or "Average"),
            period_s=int(alarm.get("Period", 60)),
            evaluation_periods=periods,
            datapoints_to_alarm=int(alarm.get("DatapointsToAlarm") or periods),
            threshold=float(alarm.get("Threshold", 0)),
            comparison=str(alarm.get("ComparisonOperator", "GreaterThanThreshold")),
            treat_missing=str(alarm.get("TreatMissingData") or "missing"),
            state=str(alarm.get("StateValue", "INSUFFICIENT_DATA")),
            reason=str(alarm.get("StateReason", "")),
        )


@dataclass(frozen=True)
class AlarmState:
    name: str
    state: str
    reason: str
    metric: str
    value: float | None
    threshold: float
    evaluated_by: str  # "circulion ops" locally, "cloudwatch" on AWS

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "state": self.state,
            "reason": self.reason,
            "metric": self.metric,
            "value": self.value,
            "threshold": self.threshold,
            "evaluated_by": self.evaluated_by,
        }


def evaluate(alarm: AlarmDefinition, newest_first: Sequence[float]) -> tuple[str, float | None, str]:
    """``(state, latest value, reason)`` of ``alarm`` over its last evaluation periods' datapoints."""
    compare = _COMPARE.get(alarm.comparison)
    if compare is None:
        return "INSUFFICIENT_DATA", None, f"comparison {alarm.comparison} is not evaluated locally"
    points = list(newest_first[: alarm.evaluation_periods])
    latest = points[0] if points else None
    breaching = sum(1 for value in points if compare(value, alarm.threshold))
    missing = alarm.evaluation_periods - len(points)
    if alarm.treat_missing == "breaching":
        breaching += missing
    if not points and alarm.treat_missing in ("missing", "ignore"):
        return "INSUFFICIENT_DATA", None, "no datapoints"
    state = "ALARM" if breaching >= alarm.datapoints_to_alarm else "OK"
    shown = "no data" if latest is None else f"{latest:g}"
    reason = (
        f"{breaching} of {alarm.evaluation_periods} datapoints {alarm.comparison} {alarm.threshold:g} (latest {shown})"
    )
    return state, latest, reason


def read_alarms(cloudwatch: Any, metrics: MetricReader, *, evaluate_locally: bool) -> list[AlarmState]:
    """Every ``circulion-*`` metric alarm with its state, worst first."""
    definitions: list[AlarmDefinition] = []
    kwargs: dict[str, Any] = {"AlarmNamePrefix": ALARM_PREFIX, "MaxRecords": 100}
    while True:
        page = cloudwatch.describe_alarms(**kwargs)
        definitions += [AlarmDefinition.from_api(a) for a in page.get("MetricAlarms", [])]
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    if not evaluate_locally:
        states = [AlarmState(d.name, d.state, d.reason, d.metric, None, d.threshold, "cloudwatch") for d in definitions]
    else:
        states = _evaluate_all(definitions, metrics)
    order = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}
    return sorted(states, key=lambda s: (order.get(s.state, 1), s.name))


def _evaluate_all(definitions: Sequence[AlarmDefinition], metrics: MetricReader) -> list[AlarmState]:
    states = []
    # One GetMetricData call per distinct evaluation window.
    by_window: dict[int, list[tuple[AlarmDefinition, MetricQuery]]] = {}
    for alarm in definitions:
        period = LOCAL_GAUGE_PERIOD_S if alarm.namespace == "AWS/SQS" else alarm.period_s
        query = MetricQuery(alarm.name, alarm.namespace, alarm.metric, alarm.dimensions, alarm.stat, period)
        by_window.setdefault(period * alarm.evaluation_periods, []).append((alarm, query))
    for window_s, pairs in by_window.items():
        values = metrics.series([q for _, q in pairs], timedelta(seconds=window_s))
        for alarm, _ in pairs:
            state, value, reason = evaluate(alarm, values.get(alarm.name, []))
            states.append(AlarmState(alarm.name, state, reason, alarm.metric, value, alarm.threshold, "circulion ops"))
    return states
