"""SNS topics, SQS queues, their policies, and the subscriptions between them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from circulion_local.cfn.base import AwsEndpoint, Created, check_properties, error_code, flag, policy_json

# CloudFormation property -> SQS attribute, for the attributes that are plain values.
_QUEUE_ATTRIBUTES = {
    "VisibilityTimeout": "VisibilityTimeout",
    "MessageRetentionPeriod": "MessageRetentionPeriod",
    "DelaySeconds": "DelaySeconds",
    "MaximumMessageSize": "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "SqsManagedSseEnabled": "SqsManagedSseEnabled",
}


def create_topic(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, allowed=("TopicName", "DisplayName"))
    name = str(props.get("TopicName") or logical_id)
    sns = aws.client("sns")
    arn = str(sns.create_topic(Name=name)["TopicArn"])  # idempotent for the same name
    if "DisplayName" in props:
        sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue=str(props["DisplayName"]))
    return Created(arn, {"TopicArn": arn, "TopicName": name})


def create_topic_policy(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, required=("Topics", "PolicyDocument"), allowed=())
    sns = aws.client("sns")
    for topic_arn in props["Topics"]:
        sns.set_topic_attributes(
            TopicArn=topic_arn, AttributeName="Policy", AttributeValue=policy_json(props["PolicyDocument"])
        )
    return Created(logical_id)


def create_queue(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, allowed=("QueueName", "RedrivePolicy", *_QUEUE_ATTRIBUTES))
    name = str(props.get("QueueName") or logical_id)
    attributes = {
        _QUEUE_ATTRIBUTES[key]: _attribute_value(value) for key, value in props.items() if key in _QUEUE_ATTRIBUTES
    }
    if "RedrivePolicy" in props:
        policy = props["RedrivePolicy"]
        attributes["RedrivePolicy"] = (
            policy
            if isinstance(policy, str)
            else json.dumps(
                {
                    "deadLetterTargetArn": policy["deadLetterTargetArn"],
                    "maxReceiveCount": int(policy["maxReceiveCount"]),
                }
            )
        )
    sqs = aws.client("sqs")
    try:
        url = str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    except ClientError as exc:
        if error_code(exc) not in {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}:
            raise
        url = str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
    else:
        # Already there (a second run): converge its attributes on the template's.
        if attributes:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    arn = f"arn:aws:sqs:{aws.region}:{aws.account_id}:{name}"
    return Created(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})


def create_queue_policy(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, required=("Queues", "PolicyDocument"), allowed=())
    sqs = aws.client("sqs")
    for queue_url in props["Queues"]:
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": policy_json(props["PolicyDocument"])})
    return Created(logical_id)


def create_subscription(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(
        logical_id,
        props,
        required=("TopicArn", "Protocol", "Endpoint"),
        allowed=("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy"),
    )
    sns = aws.client("sns")
    # SNS returns the existing subscription for the same topic, protocol and endpoint.
    arn = str(
        sns.subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
    )
    attributes: dict[str, str] = {}
    if "RawMessageDelivery" in props:
        attributes["RawMessageDelivery"] = "true" if flag(props["RawMessageDelivery"]) else "false"
    if "FilterPolicyScope" in props:
        attributes["FilterPolicyScope"] = str(props["FilterPolicyScope"])
    for key in ("FilterPolicy", "RedrivePolicy"):
        if key in props:
            attributes[key] = policy_json(props[key])
    # Set one by one (the API takes one attribute per call), also on an existing subscription.
    for name, value in attributes.items():
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName=name, AttributeValue=value)
    return Created(arn, {"SubscriptionArn": arn})


def _attribute_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
