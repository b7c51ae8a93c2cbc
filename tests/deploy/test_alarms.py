"""Every dead-letter queue and consumer queue of the infra stack is alarmed, and every packaged
function has its three alarms, all wired to the alarm topic (imported by the service stacks)."""

from __future__ import annotations

import json
from typing import Any

from circulion_local.cfn.template import ResourceSpec, load_template
from deploy.alarms import ALARM_TOPIC_OUTPUT, SUFFIXES
from deploy.infra import INFRA_TEMPLATE
from deploy.package import Bundle

ALARM = "AWS::CloudWatch::Alarm"


def _infra() -> dict[str, ResourceSpec]:
    return dict(load_template(INFRA_TEMPLATE).resources)


def _queue_alarms(resources: dict[str, ResourceSpec], metric: str) -> dict[str, dict[str, Any]]:
    """Queue logical id -> properties of the alarm on ``metric`` of that queue."""
    found: dict[str, dict[str, Any]] = {}
    for spec in resources.values():
        props = spec.properties
        if spec.type != ALARM or props.get("Namespace") != "AWS/SQS" or props.get("MetricName") != metric:
            continue
        (dimension,) = props["Dimensions"]
        assert dimension["Name"] == "QueueName"
        queue, attribute = dimension["Value"]["Fn::GetAtt"]
        assert attribute == "QueueName"
        found[queue] = dict(props)
    return found


def test_every_dead_letter_queue_alarms_on_one_visible_message_to_the_alarm_topic() -> None:
    resources = _infra()
    dlqs = {
        spec.properties["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for spec in resources.values()
        if spec.type == "AWS::SQS::Queue" and "RedrivePolicy" in spec.properties
    }
    alarms = _queue_alarms(resources, "ApproximateNumberOfMessagesVisible")
    assert dlqs and dlqs <= set(alarms), f"DLQs without an alarm: {sorted(dlqs - set(alarms))}"
    for queue in dlqs:
        props = alarms[queue]
        assert props["Threshold"] == 1 and props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_every_consumer_queue_alarms_on_the_age_of_its_oldest_message() -> None:
    resources = _infra()
    consumers = {
        logical_id
        for logical_id, spec in resources.items()
        if spec.type == "AWS::SQS::Queue" and "RedrivePolicy" in spec.properties
    }
    alarms = _queue_alarms(resources, "ApproximateAgeOfOldestMessage")
    assert consumers == set(alarms)
    assert len({alarms[q]["Threshold"] for q in consumers}) > 1  # per queue, not one number for all
    assert all(alarms[q]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for q in consumers)


def test_the_alarm_topic_is_exported_for_teams_and_service_stacks() -> None:
    outputs = load_template(INFRA_TEMPLATE).outputs
    assert outputs[ALARM_TOPIC_OUTPUT]["Value"] == {"Ref": "AlarmTopic"}


def test_every_packaged_function_has_its_three_alarms_wired_to_the_imported_topic(bundles: dict[str, Bundle]) -> None:
    topic = {"Fn::ImportValue": {"Fn::Sub": f"${{InfraStackName}}-{ALARM_TOPIC_OUTPUT}"}}
    functions = 0
    for bundle in bundles.values():
        resources = json.loads(bundle.sam_template.read_text())["Resources"]
        alarms = [r["Properties"] for r in resources.values() if r["Type"] == ALARM]
        for logical_id, fn in resources.items():
            if fn["Type"] != "AWS::Serverless::Function":
                continue
            functions += 1
            mine = {
                a["MetricName"]: a
                for a in alarms
                if a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": logical_id}}]
            }
            assert set(mine) == set(SUFFIXES), logical_id
            assert all(a["AlarmActions"] == [topic] == a["OKActions"] for a in mine.values())
            timeout_ms = fn["Properties"]["Timeout"] * 1000
            assert mine["Duration"]["ExtendedStatistic"] == "p99"
            assert mine["Duration"]["Threshold"] == round(0.8 * timeout_ms)
    # api, validate, track_status, resend_commands, split, process_chunk, coordinate, sweep, distribute
    assert functions == 9


def test_the_terraform_variant_has_the_same_three_alarms_per_function(bundles: dict[str, Bundle]) -> None:
    topic = f"${{data.aws_cloudformation_export.{ALARM_TOPIC_OUTPUT}.value}}"
    for bundle in bundles.values():
        config = json.loads(bundle.terraform_config.read_text())
        alarms = config["resource"]["aws_cloudwatch_metric_alarm"]
        for function in config["resource"]["aws_lambda_function"]:
            mine = {
                a["metric_name"]
                for a in alarms.values()
                if a["dimensions"] == {"FunctionName": f"${{aws_lambda_function.{function}.function_name}}"}
                and a["alarm_actions"] == [topic]
            }
            assert mine == set(SUFFIXES), function
        assert ALARM_TOPIC_OUTPUT in config["data"]["aws_cloudformation_export"]
