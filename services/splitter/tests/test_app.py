"""The Chalice app wired to in-process moto: SQS events in, messages and objects out."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from app import app
from chalice.test import Client
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.deps import Deps
from chalicelib.settings import SplitterSettings
from circulion.recipes import examples
from circulion.settings import RESOURCES
from circulion.testing import sqs_event
from tests.fakes import World

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, wire: Callable[[Deps], Deps]) -> Iterator[dict[str, Any]]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # boto3 itself would follow it out of moto
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (RESOURCES.uploads_bucket, RESOURCES.work_bucket):
            s3.create_bucket(Bucket=bucket)
        sqs = boto3.client("sqs", region_name=REGION)
        work = sqs.create_queue(QueueName=RESOURCES.work_queue)["QueueUrl"]
        probe = sqs.create_queue(QueueName="probe")["QueueUrl"]
        sns = boto3.client("sns", region_name=REGION)
        topic = sns.create_topic(Name=RESOURCES.events_topic)["TopicArn"]
        probe_arn = sqs.get_queue_attributes(QueueUrl=probe, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=probe_arn, Attributes={"RawMessageDelivery": "true"})
        wire(bootstrap.build(SplitterSettings(region=REGION, tracing_enabled=False)))
        yield {"s3": s3, "sqs": sqs, "work": work, "probe": probe}


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for m in messages:
            bodies.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_split_then_process_every_chunk(aws: dict[str, Any]) -> None:
    data = b"".join(examples.stream_lines(200))
    message = World().upload("r-app", data, "stream")
    aws["s3"].put_object(Bucket=message.payload.source.bucket, Key=message.payload.source.key, Body=data)
    with Client(app) as client:
        response = client.lambda_.invoke("split", sqs_event([message]))
        assert response.payload == {"batchItemFailures": []}
        client.lambda_.invoke("split", sqs_event([message]))  # a duplicate delivery
        tasks = drain(aws["sqs"], aws["work"])
        assert [t["type"] for t in tasks] == ["chunk.process"]
        for task in tasks:
            result = client.lambda_.invoke("process_chunk", sqs_event([json.dumps(task)]))
            assert result.payload == {"batchItemFailures": []}
    events = drain(aws["sqs"], aws["probe"])
    assert sorted(e["type"] for e in events) == ["chunk.processed", "recipe.split"]
    (processed,) = [e for e in events if e["type"] == "chunk.processed"]
    segment = aws["s3"].get_object(Bucket=RESOURCES.work_bucket, Key=processed["payload"]["segment"]["key"])
    assert zlib.decompress(segment["Body"].read(), -15) == data
    assert processed["payload"]["record_count"] == 201
