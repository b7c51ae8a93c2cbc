"""The Chalice app end to end in-process: SQS events in, archive and events out (moto)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.deps import Deps
from chalicelib.settings import MergerSettings
from circulion.adapters.object_store import S3ObjectStore
from circulion.settings import RESOURCES
from circulion.testing import sqs_event
from circulion.testing.tables import create_keyed_table
from tests.scenario import extracted, make_recipe

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, wire: Callable[[Deps], Deps]) -> Iterator[dict[str, Any]]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # boto3 itself would follow it out of moto
    with mock_aws():
        clients = {name: boto3.client(name, region_name=REGION) for name in ("s3", "sqs", "sns", "dynamodb")}
        for bucket in (RESOURCES.work_bucket, RESOURCES.artifacts_bucket):
            clients["s3"].create_bucket(Bucket=bucket)
        for queue in (RESOURCES.merger_queue, RESOURCES.work_queue):
            clients["sqs"].create_queue(QueueName=queue)
        topic = clients["sns"].create_topic(Name=RESOURCES.events_topic)["TopicArn"]
        probe = clients["sqs"].create_queue(QueueName="probe")["QueueUrl"]
        probe_arn = clients["sqs"].get_queue_attributes(QueueUrl=probe, AttributeNames=["QueueArn"])
        clients["sns"].subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=probe_arn["Attributes"]["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
        )
        create_keyed_table(clients["dynamodb"], RESOURCES.ledger_table)
        wire(bootstrap.build(MergerSettings(region=REGION, tracing_enabled=False)))
        yield {**clients, "probe": probe}


def test_coordinate_merges_a_recipe_delivered_in_one_batch(aws: dict[str, Any]) -> None:
    from app import app

    store = S3ObjectStore(aws["s3"])
    recipe = make_recipe(store, b"step\n" * 100, 128)
    with Client(app) as client:
        response = client.lambda_.invoke("coordinate", sqs_event([*recipe.chunks, recipe.split, recipe.chunk(0)]))
        assert response.payload == {"batchItemFailures": []}
        # circulion.testing.scheduled_event lacks fields Chalice's CloudWatchEvent requires.
        tick = client.events.generate_cw_event("aws.events", "Scheduled Event", {}, ["rule/sweep"])
        swept = client.lambda_.invoke("sweep", tick)
        assert swept.payload == {"actions": {}}
    messages = aws["sqs"].receive_message(QueueUrl=aws["probe"], MaxNumberOfMessages=10)["Messages"]
    types = [json.loads(m["Body"])["type"] for m in messages]
    assert sorted(types) == ["recipe.merge_started", "recipe.merged", "recipe.merged"]
    merged = next(json.loads(m["Body"]) for m in messages if json.loads(m["Body"])["type"] == "recipe.merged")
    artifact = merged["payload"]["artifact"]
    assert extracted(store.get_bytes(artifact["bucket"], artifact["key"]))[1] == recipe.data


def test_event_sources_match_the_shared_facts() -> None:
    from app import app

    sources = {s.name: s for s in app.event_sources}
    assert sources["coordinate"].queue == RESOURCES.merger_queue and sources["coordinate"].batch_size == 10
    assert "sweep" in sources
