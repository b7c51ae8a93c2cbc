"""CloudWatch alarms and dashboards.

The emulator stores alarms and dashboards but never evaluates an alarm: ``circulion ops``
evaluates the stored definitions itself against the emulator's metrics (see
``circulion_cli.ops_alarms``). Both calls are idempotent (put by name).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from circulion_local.cfn.base import AwsEndpoint, Created, check_properties

# CloudFormation property -> PutMetricAlarm parameter, for the single-metric alarms we write.
_ALARM_PARAMETERS = (
    "AlarmDescription",
    "Namespace",
    "MetricName",
    "Dimensions",
    "Statistic",
    "ExtendedStatistic",
    "Unit",
    "Period",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "ActionsEnabled",
)
_INTEGERS = frozenset({"Period", "EvaluationPeriods", "DatapointsToAlarm"})


def create_alarm(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(
        logical_id,
        props,
        required=("AlarmName", "ComparisonOperator", "EvaluationPeriods"),
        allowed=_ALARM_PARAMETERS,
    )
    request: dict[str, Any] = {"AlarmName": str(props["AlarmName"])}
    for key in _ALARM_PARAMETERS:
        if key not in props:
            continue
        value = props[key]
        if key in _INTEGERS:
            value = int(value)
        elif key == "Threshold":
            value = float(value)
        elif key == "ActionsEnabled":
            value = value is True or str(value).lower() == "true"
        elif key == "Dimensions":
            value = [{"Name": str(d["Name"]), "Value": str(d["Value"])} for d in value]
        elif key.endswith("Actions"):
            value = [str(v) for v in value]
        else:
            value = str(value)
        request[key] = value
    cloudwatch = aws.client("cloudwatch")
    cloudwatch.put_metric_alarm(**request)
    name = request["AlarmName"]
    arn = f"arn:aws:cloudwatch:{aws.region}:{aws.account_id}:alarm:{name}"
    return Created(name, {"Arn": arn})


def create_dashboard(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, required=("DashboardName", "DashboardBody"), allowed=())
    name = str(props["DashboardName"])
    aws.client("cloudwatch").put_dashboard(DashboardName=name, DashboardBody=str(props["DashboardBody"]))
    return Created(name)
