"""``circulion ops`` and the local CloudWatch (issue 20), against the running stack.

* A poisoned record (test_poison's way: the distributor's CDN throttle switch) fills
  ``circulion-distributor-dlq``: ``ops --json`` shows depth 1 and the DLQ alarm in
  ``ALARM`` (evaluated by the CLI against the emulator's ``AWS/SQS`` samples); after
  ``circulion dlq redrive`` depth 0 and ``OK``.
* After uploads, the projection's EMF metrics have reached the emulator (forwarded by the
  runtime from the function logs): ``get_metric_data`` reads end-to-end and per-stage
  latency, and ``ops`` shows their percentiles.
* A recipe whose chunk task was dropped (the work queue delays new messages; the test purges
  them) is listed as stuck with its last stage and a trace hint.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from api import UploadApi
from cli_support import cli_json, operator_env
from support import Stack

from circulion.recipes.examples import document
from circulion.settings import RESOURCES

pytestmark = pytest.mark.stack

THROTTLE = {"pk": {"S": "fault#cdn-throttle"}, "sk": {"S": "budget"}}
DLQ = f"{RESOURCES.distributor_queue}-dlq"
DLQ_ALARM = f"{DLQ}-not-empty"


def _ops(stack: Stack, *args: str) -> dict[str, Any]:
    # Exit 1 is an unhealthy pipeline: still a snapshot.
    snapshot: dict[str, Any] = cli_json(operator_env(stack), "ops", *args, ok=(0, 1))
    return snapshot


def _dlq_and_alarm(snapshot: dict[str, Any]) -> tuple[int, str]:
    (dlq,) = [q for q in snapshot["dlqs"] if q["name"] == DLQ]
    (alarm,) = [a for a in snapshot["alarms"] if a["name"] == DLQ_ALARM]
    return dlq["depth"], alarm["state"]


def _arm(stack: Stack, remaining: int) -> None:
    stack.client("dynamodb").put_item(
        TableName=RESOURCES.distribution_table, Item={**THROTTLE, "remaining": {"N": str(remaining)}}
    )


def test_a_poisoned_record_shows_in_ops_as_dlq_depth_1_and_alarm_then_0_and_ok_after_redrive(stack: Stack) -> None:
    assert _dlq_and_alarm(_ops(stack)) == (0, "OK")
    api = UploadApi.for_tenant(stack.ports, f"ops-{uuid.uuid4().hex[:8]}")
    _arm(stack, 1000)
    try:
        recipe_id = api.upload_recipe(
            f"poisoned-{uuid.uuid4().hex[:6]}", json.dumps(document(4)).encode(), "application/json"
        )
        failed = api.wait_for_status(recipe_id, {"FAILED", "DISTRIBUTED"}, timeout=300, fail=pytest.fail)
        assert failed["status"] == "FAILED", failed

        def firing_snapshot() -> dict[str, Any] | None:
            snapshot = _ops(stack)
            return snapshot if _dlq_and_alarm(snapshot) == (1, "ALARM") else None

        firing = stack.wait_until(
            firing_snapshot,
            timeout=45,
            message="ops showing the DLQ at 1 and its alarm in ALARM",
        )
        assert firing["healthy"] is False
        (alarm,) = [a for a in firing["alarms"] if a["name"] == DLQ_ALARM]
        assert alarm["evaluated_by"] == "circulion ops" and alarm["value"] == 1.0
    finally:
        _arm(stack, 0)
    report = cli_json(operator_env(stack), "dlq", "redrive", "--recipe", recipe_id)
    assert [m["recipe_id"] for m in report["moved"]] == [recipe_id]
    stack.wait_until(
        lambda: _dlq_and_alarm(_ops(stack)) == (0, "OK"), timeout=45, message="ops showing the DLQ at 0 and OK"
    )
    api.wait_for_status(recipe_id, {"DISTRIBUTED"}, timeout=180, fail=pytest.fail)


def _metric(stack: Stack, name: str, dimensions: dict[str, str], stat: str) -> list[float]:
    end = datetime.now(UTC) + timedelta(seconds=1)
    query = {
        "Id": "m",
        "MetricStat": {
            "Metric": {
                "Namespace": "Circulion",
                "MetricName": name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            },
            "Period": 3600,
            "Stat": stat,
        },
    }
    result = stack.client("cloudwatch").get_metric_data(
        MetricDataQueries=[query], StartTime=end - timedelta(hours=1), EndTime=end
    )
    return [float(v) for v in result["MetricDataResults"][0]["Values"]]


def test_after_uploads_latency_metrics_are_in_cloudwatch_and_ops_shows_percentiles(stack: Stack) -> None:
    api = UploadApi.for_tenant(stack.ports, f"ops-{uuid.uuid4().hex[:8]}")
    ids = [
        api.upload_recipe(
            f"metered-{i}-{uuid.uuid4().hex[:6]}", json.dumps(document(3 + i)).encode(), "application/json"
        )
        for i in range(3)
    ]
    for recipe_id in ids:
        api.wait_for_status(recipe_id, {"DISTRIBUTED"}, timeout=120, fail=pytest.fail)
    document_latency = {"service": "upload", "kind": "document"}
    stack.wait_until(
        lambda: sum(_metric(stack, "EndToEndLatency", document_latency, "SampleCount")) >= 3,
        timeout=30,
        message="three end-to-end latencies in CloudWatch",
    )
    (p50,) = [v for v in _metric(stack, "EndToEndLatency", document_latency, "p50") if v]
    assert 0 < p50 < 120_000
    for stage in ("validation", "split", "chunks", "merge", "distribution"):
        assert sum(_metric(stack, "StageDuration", {"service": "upload", "stage": stage}, "SampleCount")) >= 3, stage
    assert sum(_metric(stack, "Distributed", {"service": "upload"}, "Sum")) >= 3
    latency = {p["name"]: p for p in _ops(stack)["latency"]}
    assert latency["end-to-end document"]["samples"] >= 3 and latency["end-to-end document"]["p95_ms"] > 0
    assert latency["stage merge"]["p50_ms"] is not None


def test_a_recipe_whose_chunk_task_was_dropped_is_listed_as_stuck(stack: Stack) -> None:
    sqs = stack.client("sqs")
    work = stack.queue_url(RESOURCES.work_queue)
    api = UploadApi.for_tenant(stack.ports, f"ops-{uuid.uuid4().hex[:8]}")
    # New chunk tasks wait 60 s before anyone can receive them; purging drops them for good.
    sqs.set_queue_attributes(QueueUrl=work, Attributes={"DelaySeconds": "60"})
    try:
        recipe_id = api.upload_recipe(
            f"stuck-{uuid.uuid4().hex[:6]}", json.dumps(document(5)).encode(), "application/json"
        )
        stack.wait_until(lambda: api.recipe(recipe_id)["status"] == "PROCESSING", timeout=60, message="split")
        stack.wait_until(
            lambda: int(
                sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["ApproximateNumberOfMessagesDelayed"])[
                    "Attributes"
                ]["ApproximateNumberOfMessagesDelayed"]
            ),
            timeout=30,
            message="the chunk task in the work queue",
        )
        sqs.purge_queue(QueueUrl=work)
    finally:
        sqs.set_queue_attributes(QueueUrl=work, Attributes={"DelaySeconds": "0"})

    def listed() -> dict[str, Any] | None:
        snapshot = _ops(stack, "--stuck-after", "3")
        return next((s for s in snapshot["recipes"]["stuck"] if s["recipe_id"] == recipe_id), None)

    stuck = stack.wait_until(listed, timeout=30, message="the recipe listed as stuck")
    assert stuck["status"] == "PROCESSING" and stuck["last_stage"] == "split"
    # Listed means idle for more than 3 s; the snapshot rounds idle_s to 0.1 s, so 3.04 s reads 3.0.
    assert stuck["hint"] == f"circulion trace {recipe_id}" and stuck["idle_s"] >= 3
