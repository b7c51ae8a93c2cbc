"""Publishing: SNS attributes for filter policies, SQS batches with the trace header."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from circulion.adapters.dead_letters import REASON_ATTRIBUTE, SqsDeadLetters
from circulion.adapters.event_bus import Publisher, SnsEventBus, SqsTaskQueue
from circulion.contracts import (
    ChunkSpan,
    ObjectRef,
    ProcessChunk,
    ProcessChunkPayload,
    RecipeDescription,
    RecipeMergeStarted,
    RecipeMergeStartedPayload,
)
from circulion.messages import parse_message
from circulion.testing import sqs_record

TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        sns = boto3.client("sns", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        topic = sns.create_topic(Name="events")["TopicArn"]
        dlq = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        work = sqs.create_queue(
            QueueName="work",
            Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})},
        )["QueueUrl"]
        merged = sqs.create_queue(QueueName="only-merge-started")["QueueUrl"]
        merged_arn = sqs.get_queue_attributes(QueueUrl=merged, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=merged_arn,
            Attributes={
                "RawMessageDelivery": "true",
                "FilterPolicy": json.dumps({"type": ["recipe.merge_started"]}),
            },
        )
        yield {"sns": sns, "sqs": sqs, "topic": topic, "work": work, "dlq": dlq, "merged": merged}


def _task(index: int) -> ProcessChunk:
    recipe = RecipeDescription(
        name="n", version="1.0.0", content_type="application/octet-stream", size_bytes=10, sha256="0" * 64
    )
    payload = ProcessChunkPayload(
        recipe=recipe,
        kind="asset",
        source=ObjectRef(bucket="b", key="k"),
        chunk=ChunkSpan(index=index, start=0, end=10),
        total_chunks=12,
    )
    return ProcessChunk(recipe_id="r-1", tenant_id="acme", trace_header=TRACE, payload=payload)


def test_events_reach_only_subscribers_whose_filter_matches(aws: dict[str, Any]) -> None:
    bus = SnsEventBus(aws["sns"], aws["topic"])
    publisher = Publisher(bus, SqsTaskQueue(aws["sqs"], aws["work"]))
    started = RecipeMergeStarted(
        recipe_id="r-1", tenant_id="acme", trace_header=TRACE, payload=RecipeMergeStartedPayload(total_chunks=2)
    )
    publisher.publish([started, _task(0)])
    [message] = aws["sqs"].receive_message(QueueUrl=aws["merged"], MaxNumberOfMessages=10)["Messages"]
    assert parse_message(message["Body"]) == started


def test_tasks_are_sent_in_batches_of_ten_with_their_trace(aws: dict[str, Any]) -> None:
    SqsTaskQueue(aws["sqs"], aws["work"]).send([_task(i) for i in range(12)])
    seen = []
    for _ in range(5):
        response = aws["sqs"].receive_message(
            QueueUrl=aws["work"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        for message in response.get("Messages", []):
            seen.append(parse_message(message["Body"]))
            assert message["MessageAttributes"]["trace_header"]["StringValue"] == TRACE
    assert sorted(t.payload.chunk.index for t in seen) == list(range(12))  # type: ignore[attr-defined]


def test_dead_letters_carry_the_reason(aws: dict[str, Any]) -> None:
    dead_letters = SqsDeadLetters(aws["sqs"])
    record = sqs_record(_task(3), queue="work")
    policy = dead_letters.policy(record["eventSourceARN"])
    assert policy is not None and policy.max_receive_count == 3
    dead_letters.send(record, "TransientError: boom", "process_chunk")
    [message] = aws["sqs"].receive_message(QueueUrl=aws["dlq"], MessageAttributeNames=["All"])["Messages"]
    assert message["Body"] == record["body"]
    assert message["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"] == "TransientError: boom"
