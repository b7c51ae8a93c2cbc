"""Dead-letter listing and redrive against in-process moto (a narrow SQS adapter test)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from circulion_cli.commands import Io
from circulion_cli.dlq import DeadLetterQueues, recipe_id_of
from circulion_cli.main import run


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        for name in ("circulion-merger", "circulion-merger-dlq", "circulion-splitter", "circulion-splitter-dlq"):
            client.create_queue(QueueName=name)
        yield client


def url(sqs: Any, name: str) -> str:
    return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])


def dead_letter(sqs: Any, queue: str, recipe_id: str, reason: str | None = "boom") -> None:
    attributes = {"type": {"DataType": "String", "StringValue": "chunk.processed"}}
    if reason:
        attributes |= {
            "failure_reason": {"DataType": "String", "StringValue": reason},
            "failed_function": {"DataType": "String", "StringValue": "coordinate"},
            "source_queue": {"DataType": "String", "StringValue": queue.removesuffix("-dlq")},
        }
    sqs.send_message(
        QueueUrl=url(sqs, queue),
        MessageBody=json.dumps({"type": "chunk.processed", "recipe_id": recipe_id, "tenant_id": "t"}),
        MessageAttributes=attributes,
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc-def"}},
    )


def bodies(sqs: Any, queue: str) -> list[dict[str, Any]]:
    response = sqs.receive_message(
        QueueUrl=url(sqs, queue),
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
    )
    return response.get("Messages", [])


def test_list_shows_reason_and_recipe_and_leaves_messages_in_place(sqs: Any) -> None:
    dead_letter(sqs, "circulion-merger-dlq", "r1", "TransientError: ledger unavailable")
    dead_letter(sqs, "circulion-splitter-dlq", "r2", None)  # moved by SQS itself: no reason
    dlqs = DeadLetterQueues(sqs)

    letters = dlqs.peek()

    assert dlqs.queue_names() == ["circulion-merger-dlq", "circulion-splitter-dlq"]
    by_recipe = {letter.recipe_id: letter for letter in letters}
    assert by_recipe["r1"].reason == "TransientError: ledger unavailable"
    assert by_recipe["r1"].function == "coordinate"
    assert by_recipe["r1"].event_type == "chunk.processed"
    assert by_recipe["r2"].reason is None and by_recipe["r2"].source_queue == "circulion-splitter"
    assert [letter.recipe_id for letter in dlqs.peek(recipe_id="r2")] == ["r2"]
    assert len(dlqs.peek()) == 2  # released: listing twice sees the same messages


def test_redrive_moves_only_the_recipe_asked_for(sqs: Any) -> None:
    dead_letter(sqs, "circulion-merger-dlq", "r1")
    dead_letter(sqs, "circulion-merger-dlq", "r2")
    dlqs = DeadLetterQueues(sqs)

    report = dlqs.redrive(queue="merger", recipe_id="r1")

    assert [letter.recipe_id for letter in report.moved] == ["r1"] and report.failed == []
    (moved,) = bodies(sqs, "circulion-merger")
    assert json.loads(moved["Body"])["recipe_id"] == "r1"
    assert set(moved["MessageAttributes"]) == {"type"}  # the failure attributes stay behind
    assert moved["Attributes"]["AWSTraceHeader"] == "Root=1-abc-def"
    assert [letter.recipe_id for letter in dlqs.peek()] == ["r2"]


def test_a_failed_send_keeps_the_message_in_the_dlq(sqs: Any) -> None:
    dead_letter(sqs, "circulion-merger-dlq", "r1")
    sqs.delete_queue(QueueUrl=url(sqs, "circulion-merger"))  # the source queue is gone

    report = DeadLetterQueues(sqs).redrive()

    assert report.moved == [] and len(report.failed) == 1
    assert [letter.recipe_id for letter in DeadLetterQueues(sqs).peek()] == ["r1"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"recipe_id": "r1", "type": "recipe.split"}', "r1"),
        (json.dumps({"Type": "Notification", "Message": '{"recipe_id": "r2"}'}), "r2"),
        (json.dumps({"Records": [{"s3": {"object": {"key": "incoming/acme/r%2B3"}}}]}), "r+3"),
        (json.dumps({"Records": [{"s3": {"object": {"key": "elsewhere/x"}}}]}), None),
        ('{"Event": "s3:TestEvent"}', None),
        ("not json", None),
    ],
)
def test_recipe_id_is_found_in_every_body_shape(body: str, expected: str | None) -> None:
    assert recipe_id_of(body) == expected


def test_the_dlq_commands_print_json(sqs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIRCULION_ENDPOINT_URL", "aws")  # in-process moto intercepts AWS's own endpoints
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    dead_letter(sqs, "circulion-merger-dlq", "r1")
    out = io.StringIO()

    assert run(["dlq", "list", "--json"], Io(out, io.StringIO())) == 0
    (listed,) = json.loads(out.getvalue())
    assert (listed["recipe_id"], listed["failure_reason"], listed["source_queue"]) == ("r1", "boom", "circulion-merger")

    out = io.StringIO()
    assert run(["dlq", "redrive", "--recipe", "r1", "--json"], Io(out, io.StringIO())) == 0
    assert [m["recipe_id"] for m in json.loads(out.getvalue())["moved"]] == ["r1"]


@pytest.mark.parametrize("action", ["list", "redrive"])
def test_an_unknown_queue_is_a_usage_error_not_an_empty_queue(
    sqs: Any, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    monkeypatch.setenv("CIRCULION_ENDPOINT_URL", "aws")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    err = io.StringIO()

    assert run(["dlq", action, "--queue", "nope"], Io(io.StringIO(), err)) == 2
    assert "no dead-letter queue 'nope'; known: merger, splitter" in err.getvalue()
    assert run(["dlq", action, "--queue", "merger"], Io(io.StringIO(), io.StringIO())) == 0
