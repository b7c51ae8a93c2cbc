"""The running stack holds exactly the template's resources, and events route as designed.

The consumers poll their queues while these tests run, so routing is observed without
them: probe queues subscribe (to a probe topic) with the filter policies read back from
the real subscriptions, and each lifecycle type is published once. Together with the check
that each real subscription is raw, filtered and ends at its consumer's queue, this proves
where a message on ``circulion-recipe-events`` goes — and where it does not — without
feeding fake events to the real handlers.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from support import Stack

from circulion.contracts.events import MESSAGE_TYPES, RecipeFailed, RecipeFailedPayload
from circulion.settings import RESOURCES
from circulion_local.cfn.template import load_template
from circulion_local.provision import TEMPLATE_PATH

pytestmark = pytest.mark.stack

LIFECYCLE_TYPES = sorted(t for t, cls in MESSAGE_TYPES.items() if cls.channel == "events")

EXPECTED_ROUTES = {
    RESOURCES.upload_status_queue: set(LIFECYCLE_TYPES),
    RESOURCES.splitter_queue: {"recipe.validated"},
    RESOURCES.merger_queue: {"recipe.split", "chunk.processed"},
    RESOURCES.distributor_queue: {"recipe.merged", "recipe.withdrawal_requested", "recipe.restore_requested"},
}
"""Which consumer queue receives which lifecycle type (the design, ARCHITECTURE.md)."""


def _template_names(resource_type: str, name_property: str) -> set[str]:
    resources = load_template(TEMPLATE_PATH).resources.values()
    return {str(r.properties[name_property]) for r in resources if r.type == resource_type}


def _subscriptions(stack: Stack, topic: str) -> dict[str, dict[str, Any]]:
    """Attributes of each subscription of ``topic``, by the name of the queue it delivers to."""
    sns = stack.client("sns")
    found = {}
    for subscription in sns.list_subscriptions_by_topic(TopicArn=stack.topic_arn(topic))["Subscriptions"]:
        queue = subscription["Endpoint"].rsplit(":", 1)[1]
        if queue.startswith("circulion-test-probe-"):
            continue  # other tests' probes
        found[queue] = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    return found


def test_every_queue_topic_table_and_bucket_of_the_template_exists(stack: Stack) -> None:
    sqs, sns, dynamodb, s3 = (stack.client(s) for s in ("sqs", "sns", "dynamodb", "s3"))
    queues = {url.rsplit("/", 1)[1] for url in sqs.list_queues(QueueNamePrefix="circulion-").get("QueueUrls", [])}
    assert _template_names("AWS::SQS::Queue", "QueueName") <= queues
    topics = {t["TopicArn"].rsplit(":", 1)[1] for t in sns.list_topics()["Topics"]}
    assert _template_names("AWS::SNS::Topic", "TopicName") <= topics
    assert set(dynamodb.list_tables()["TableNames"]) >= _template_names("AWS::DynamoDB::Table", "TableName")
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert _template_names("AWS::S3::Bucket", "BucketName") <= buckets
    # And the names the services use are the ones the template creates.
    for field, name in RESOURCES.model_dump().items():
        assert name in queues | topics | buckets | set(dynamodb.list_tables()["TableNames"]), field


def test_every_consumer_queue_redrives_to_its_dlq(stack: Stack) -> None:
    sqs = stack.client("sqs")
    for name in _template_names("AWS::SQS::Queue", "QueueName"):
        if name.endswith("-dlq"):
            continue
        attributes = sqs.get_queue_attributes(QueueUrl=stack.queue_url(name), AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(f":{name}-dlq"), name
        assert int(redrive["maxReceiveCount"]) == 4


def test_subscriptions_are_raw_filtered_and_end_at_the_consumers(stack: Stack) -> None:
    events = _subscriptions(stack, RESOURCES.events_topic)
    assert set(events) == set(EXPECTED_ROUTES)
    for queue, attributes in events.items():
        assert attributes["RawMessageDelivery"] == "true", queue
        assert set(json.loads(attributes["FilterPolicy"])["type"]) == EXPECTED_ROUTES[queue], queue
    uploads = _subscriptions(stack, RESOURCES.uploads_topic)
    assert set(uploads) == {RESOURCES.upload_validate_queue}
    assert uploads[RESOURCES.upload_validate_queue]["RawMessageDelivery"] == "true"
    assert "FilterPolicy" not in uploads[RESOURCES.upload_validate_queue]


def test_each_lifecycle_type_reaches_exactly_its_consumers(stack: Stack) -> None:
    sns, sqs = stack.client("sns"), stack.client("sqs")
    probe_topic = f"circulion-test-probe-{uuid.uuid4().hex[:12]}"
    sns.create_topic(Name=probe_topic)
    # One probe queue per real subscription, with the filter policy the emulator holds for it.
    probes = {
        queue: stack.probe_queue(json.loads(attributes["FilterPolicy"])["type"], topic=probe_topic)
        for queue, attributes in _subscriptions(stack, RESOURCES.events_topic).items()
    }
    # chunk.process is a task: it must reach no subscriber of the topic even if published there.
    published = [*LIFECYCLE_TYPES, "chunk.process", "recipe.unknown"]
    for event_type in published:
        sns.publish(
            TopicArn=stack.topic_arn(probe_topic),
            Message=json.dumps({"type": event_type}),
            MessageAttributes={"type": {"DataType": "String", "StringValue": event_type}},
        )
    routed = {}
    for queue, url in probes.items():
        expected = len(EXPECTED_ROUTES[queue])
        messages = stack.receive_all(url, wait_s=10, expected=expected)
        # Raw delivery: the body is the published message itself, not an SNS envelope.
        routed[queue] = {json.loads(m["Body"])["type"] for m in messages}
        assert len(messages) == expected, queue
    assert routed == EXPECTED_ROUTES
    leftovers = sqs.receive_message(QueueUrl=next(iter(probes.values())), WaitTimeSeconds=1).get("Messages", [])
    assert leftovers == []


def test_an_event_published_like_the_services_do_arrives_raw_with_its_type(stack: Stack) -> None:
    recipe_id = f"infra-{uuid.uuid4().hex[:12]}"
    probe = stack.probe_queue(["recipe.failed"])
    event = RecipeFailed(
        recipe_id=recipe_id,
        tenant_id="infra-test",
        payload=RecipeFailedPayload(stage="merge", reason="infra_probe", message="routing check"),
    )
    stack.publish_event(event)
    messages = stack.wait_until(
        lambda: [m for m in stack.receive_all(probe, wait_s=2) if recipe_id in m["Body"]],
        timeout=30,
        message="recipe.failed on the probe queue",
    )
    (message,) = messages
    assert message["MessageAttributes"]["type"]["StringValue"] == "recipe.failed"
    assert RecipeFailed.model_validate_json(message["Body"]) == event
