"""Poison and redrive (issue 10): a message that always fails ends in its DLQ with the
reason, the recipe shows FAILED with it, and ``circulion dlq redrive`` finishes the job
once the cause is gone.

"Always fails" without a seam in service code: the distributor's test-only fault switch
(``CIRCULION_FAULT_INJECTION``, on in the ``local`` stage; see services/distributor/README)
makes every CreateInvalidation throttle while its budget lasts. The record is retried with
the queue as backoff; on its ``maxReceiveCount``-th receive the shared batch processor
moves it to ``circulion-distributor-dlq`` with ``failure_reason`` and publishes
``recipe.failed``. Disarming the switch is "removing the cause".
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from api import UploadApi
from cli_support import cli_json, operator_env
from soak_checks import archive_member_sha256
from support import Stack

from circulion.recipes.examples import document
from circulion.settings import RESOURCES

pytestmark = pytest.mark.stack

THROTTLE = {"pk": {"S": "fault#cdn-throttle"}, "sk": {"S": "budget"}}


def _arm(stack: Stack, remaining: int) -> None:
    stack.client("dynamodb").put_item(
        TableName=RESOURCES.distribution_table, Item={**THROTTLE, "remaining": {"N": str(remaining)}}
    )


def _function_log(stack: Stack, label: str) -> str:
    path = stack.state_dir / "logs" / "functions" / f"{label}.log"
    return path.read_text(errors="replace") if path.exists() else ""


def test_poisoned_record_is_dead_lettered_with_its_reason_then_redriven_to_completion(stack: Stack) -> None:
    api = UploadApi.for_tenant(stack.ports, f"poison-{uuid.uuid4().hex[:8]}")
    data = json.dumps(document(6)).encode()
    _arm(stack, 1000)
    try:
        recipe_id = api.upload_recipe(f"poisoned-{uuid.uuid4().hex[:6]}", data, "application/json")
        failed = api.wait_for_status(recipe_id, {"FAILED", "DISTRIBUTED"}, timeout=300, fail=pytest.fail)
        assert failed["status"] == "FAILED", failed
        (error,) = [e for e in failed["errors"] if e["stage"] == "distribution"]
        assert error["code"] == "retries_exhausted" and "Throttl" in error["message"], error

        (letter,) = cli_json(operator_env(stack), "dlq", "list", "--recipe", recipe_id)
        assert letter["queue"] == f"{RESOURCES.distributor_queue}-dlq"
        assert letter["source_queue"] == RESOURCES.distributor_queue
        assert letter["failed_function"] == "distribute" and "Throttl" in letter["failure_reason"]
        assert letter["type"] == "recipe.merged"
        lines = [line for line in _function_log(stack, "distributor.distribute").splitlines() if recipe_id in line]
        assert any("moving to the dead-letter queue" in line and "Throttl" in line for line in lines)
    finally:
        _arm(stack, 0)  # the cause is gone

    report = cli_json(operator_env(stack), "dlq", "redrive", "--recipe", recipe_id)
    assert [m["recipe_id"] for m in report["moved"]] == [recipe_id] and not report["failed"]
    done = api.wait_for_status(recipe_id, {"DISTRIBUTED"}, timeout=180, fail=pytest.fail)
    assert archive_member_sha256(api, done["recipe_id"]) == done["sha256"]
    assert cli_json(operator_env(stack), "dlq", "list", "--recipe", recipe_id) == []


def test_a_message_that_is_not_a_message_goes_to_the_dlq_at_once_with_the_reason(stack: Stack) -> None:
    sqs = stack.client("sqs")
    marker = uuid.uuid4().hex
    sqs.send_message(QueueUrl=stack.queue_url(RESOURCES.splitter_queue), MessageBody=f"not json {marker}")
    dlq = stack.queue_url(f"{RESOURCES.splitter_queue}-dlq")

    def dead_lettered() -> dict[str, Any] | None:
        got = sqs.receive_message(
            QueueUrl=dlq, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=1
        )
        for message in got.get("Messages", []):
            if marker in message["Body"]:
                sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
                return dict(message)
            sqs.change_message_visibility(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        return None

    message = stack.wait_until(dead_lettered, 60, message="junk in the splitter DLQ")
    attributes = message["MessageAttributes"]
    assert attributes["failure_reason"]["StringValue"].startswith("malformed")
    assert attributes["failed_function"]["StringValue"] == "split"
