"""Functional: the template's alarms and dashboard in a real emulator, percentiles, and the
``AWS/SQS`` samples the emulator takes of every queue (what the alarms and ``circulion ops`` read)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from circulion_local.cfn.template import load_template
from circulion_local.clients import local_client
from circulion_local.emulator.cloudwatch import SAMPLE_EVERY_S
from circulion_local.emulator.process import Emulator, start_emulator
from circulion_local.free_ports import free_ports
from circulion_local.provision import TEMPLATE_PATH, provision_stack
from circulion_local.signing_keys import provisioning_parameters


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    ports = free_ports()
    with start_emulator(ports, tmp_path_factory.mktemp("emulator") / "moto.log") as running:
        yield running


def _client(emulator: Emulator, service: str) -> Any:
    return local_client(emulator.ports, service)


def test_every_alarm_and_the_dashboard_of_the_template_are_provisioned(emulator: Emulator, tmp_path: Path) -> None:
    stack = provision_stack(emulator.endpoint_url, TEMPLATE_PATH, provisioning_parameters(emulator.ports, tmp_path))
    template = load_template(TEMPLATE_PATH)
    declared = {r.properties["AlarmName"] for r in template.resources.values() if r.type == "AWS::CloudWatch::Alarm"}
    cloudwatch = _client(emulator, "cloudwatch")
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms(MaxRecords=100)["MetricAlarms"]}
    assert declared <= set(alarms)
    dlq = alarms["circulion-merger-dlq-not-empty"]
    assert dlq["Dimensions"] == [{"Name": "QueueName", "Value": "circulion-merger-dlq"}]
    assert dlq["AlarmActions"] == [stack.outputs["AlarmTopicArn"]]
    slo = alarms["circulion-slo-document-latency"]
    assert slo["ExtendedStatistic"] == "p99" and slo["Period"] == 3600
    body = json.loads(cloudwatch.get_dashboard(DashboardName="circulion-pipeline")["DashboardBody"])
    assert len(body["widgets"]) >= 8


def test_percentiles_are_answered(emulator: Emulator) -> None:
    cloudwatch = _client(emulator, "cloudwatch")
    now = datetime.now(UTC)
    data = [{"MetricName": "Probe", "Value": float(v), "Unit": "Milliseconds", "Timestamp": now} for v in range(1, 101)]
    cloudwatch.put_metric_data(Namespace="CirculionTest", MetricData=data)
    stat = {"Metric": {"Namespace": "CirculionTest", "MetricName": "Probe"}, "Period": 300}
    got = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {"Id": "p50", "MetricStat": {**stat, "Stat": "p50"}},
            {"Id": "p99", "MetricStat": {**stat, "Stat": "p99"}},
        ],
        StartTime=now - timedelta(minutes=1),
        EndTime=now + timedelta(minutes=1),
    )
    values = {r["Id"]: r["Values"] for r in got["MetricDataResults"]}
    assert values == {"p50": [50.0], "p99": [99.0]}


def test_the_emulator_samples_queue_depth_and_the_age_of_the_oldest_message(emulator: Emulator) -> None:
    sqs = _client(emulator, "sqs")
    url = sqs.create_queue(QueueName="circulion-probe-sampled")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="waiting")
    cloudwatch = _client(emulator, "cloudwatch")

    def latest(metric: str) -> float | None:
        now = datetime.now(UTC)
        query = {
            "Id": "m",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/SQS",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "QueueName", "Value": "circulion-probe-sampled"}],
                },
                "Period": 60,
                "Stat": "Maximum",
            },
        }
        result = cloudwatch.get_metric_data(
            MetricDataQueries=[query], StartTime=now - timedelta(minutes=2), EndTime=now + timedelta(minutes=1)
        )["MetricDataResults"][0]["Values"]
        return max(result) if result else None

    deadline = time.monotonic() + 4 * SAMPLE_EVERY_S
    while latest("ApproximateNumberOfMessagesVisible") is None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert latest("ApproximateNumberOfMessagesVisible") == 1.0
    age = latest("ApproximateAgeOfOldestMessage")
    assert age is not None and age >= 0
