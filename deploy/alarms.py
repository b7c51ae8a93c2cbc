"""Per-function alarms in each packaged service template, wired to the infra stack's topic.

Every Lambda function gets three, named ``<FunctionName>-errors`` / ``-throttles`` /
``-duration``:

* ``Errors`` >= 1 in five minutes: the handlers report record failures through
  ``batchItemFailures``, so an error is an unhandled crash or a timeout;
* ``Throttles`` >= 5 in each of two five-minute periods: an SQS event source may be
  throttled now and then while it scales into a reserved concurrency (the distributor's
  is 12 in prod), a sustained rate means work waits;
* ``Duration`` p99 above 80 % of the function's timeout: it is about to start timing out.

Each notifies the alarm topic the infra stack exports (``AlarmTopicArn``), on ALARM and OK.
"""

from __future__ import annotations

from typing import Any

from deploy.infra import InfraExports, import_value

ALARM_TOPIC_OUTPUT = "AlarmTopicArn"
DURATION_SHARE = 0.8
SUFFIXES = ("Errors", "Throttles", "Duration")


def function_alarms(logical_id: str, function_name: str, timeout_s: int, topic: Any) -> dict[str, dict[str, Any]]:
    """The three alarms of one function, by logical id."""

    def alarm(suffix: str, description: str, **properties: Any) -> tuple[str, dict[str, Any]]:
        body = {
            "AlarmName": f"{function_name}-{suffix.lower()}",
            "AlarmDescription": f"{description} docs/RUNBOOK.md#function-{suffix.lower()}",
            "Namespace": "AWS/Lambda",
            "MetricName": suffix,
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": logical_id}}],
            "Period": 300,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [topic],
            "OKActions": [topic],
            **properties,
        }
        return f"{logical_id}{suffix}Alarm", {"Type": "AWS::CloudWatch::Alarm", "Properties": body}

    threshold_ms = round(timeout_s * 1000 * DURATION_SHARE)
    return dict(
        [
            alarm(
                "Errors",
                f"{function_name} crashed or timed out.",
                Statistic="Sum",
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
            ),
            alarm(
                "Throttles",
                f"{function_name} is throttled (sustained).",
                Statistic="Sum",
                EvaluationPeriods=2,
                Threshold=5,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
            ),
            alarm(
                "Duration",
                f"{function_name} p99 duration is above {DURATION_SHARE:.0%} of its {timeout_s} s timeout.",
                ExtendedStatistic="p99",
                EvaluationPeriods=1,
                Threshold=threshold_ms,
                ComparisonOperator="GreaterThanThreshold",
            ),
        ]
    )


def add_function_alarms(template: dict[str, Any], function_type: str, exports: InfraExports) -> None:
    """Add the three alarms of every function of ``template`` (in place)."""
    topic = import_value(exports.require(ALARM_TOPIC_OUTPUT))
    resources: dict[str, Any] = template["Resources"]
    added: dict[str, dict[str, Any]] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != function_type:
            continue
        props = resource["Properties"]
        added.update(function_alarms(logical_id, str(props["FunctionName"]), int(props.get("Timeout", 3)), topic))
    resources.update(added)


def terraform_alarms(functions: dict[str, Any], topic: str) -> dict[str, dict[str, Any]]:
    """The same alarms for Chalice's Terraform (``aws_cloudwatch_metric_alarm``), by resource name."""
    found: dict[str, dict[str, Any]] = {}
    for name, body in functions.items():
        reference = f"${{aws_lambda_function.{name}.function_name}}"
        alarms = function_alarms(name, str(body["function_name"]), int(body.get("timeout", 3)), topic)
        for suffix, alarm in zip(SUFFIXES, alarms.values(), strict=True):
            props = alarm["Properties"]
            resource = {_snake(key): value for key, value in props.items() if key != "Dimensions"}
            resource["dimensions"] = {"FunctionName": reference}
            found[f"{name}_{suffix.lower()}"] = resource
    return found


def _snake(key: str) -> str:
    """``OKActions`` -> ``ok_actions``, ``EvaluationPeriods`` -> ``evaluation_periods``."""
    special = {"OKActions": "ok_actions"}
    return special.get(key) or "".join(f"_{c.lower()}" if c.isupper() else c for c in key).lstrip("_")
