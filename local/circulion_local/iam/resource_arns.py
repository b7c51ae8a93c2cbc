"""The resource each request acts on, and the IAM action it needs.

moto asks a response class for its resource through an optional ``_determine_resource``
hook and evaluates ``*`` when there is none. In moto 5.2.5 only SQS, IAM and STS have the
hook (S3 passes bucket and object ARNs itself), and SQS's resolves ``QueueUrl`` only (so
``GetQueueUrl``, which names the queue, was evaluated against ``*``); SNS, KMS, Secrets
Manager, CloudFront and CloudWatch have none, so a policy naming a topic, key, secret,
distribution or alarm ARN never matched. The patch :func:`resolve_resource_arns` adds the
hook to those five, resolving what the request names (``TopicArn``, ``KeyId`` as id, alias
or ARN, ``SecretId`` as name or ARN, the distribution id in the path, ``AlarmNamePrefix``;
metric queries act on the account's default dataset) to the ARN IAM would evaluate. DynamoDB is authorized in the
front process (:mod:`circulion_local.iam.dynamodb_front`).

moto also takes the IAM action from the API operation's name; a few operations are
authorized under another action (``SendMessageBatch`` needs ``sqs:SendMessage``;
X-Ray's REST paths are not action names): :data:`ACTION_ALIASES`.

Approximations: a request naming an unknown resource is evaluated against what it names
(and so denied unless a wildcard allows it); KMS ``Decrypt`` without a ``KeyId`` is
evaluated against the key the ciphertext names only when moto can parse it (else ``*``).
"""

from __future__ import annotations

import re
from typing import Any

from circulion_local.emulator import patches

ACTION_ALIASES = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "sns:PublishBatch": "sns:Publish",
    "xray:TraceSegments": "xray:PutTraceSegments",
    "xray:TelemetryRecords": "xray:PutTelemetryRecords",
    "xray:TraceSummaries": "xray:GetTraceSummaries",
    "xray:Traces": "xray:BatchGetTraces",
    "xray:TraceGraph": "xray:GetTraceGraph",
    "xray:ServiceGraph": "xray:GetServiceGraph",
}
"""Operation (as moto names it) -> the IAM action AWS authorizes it under."""

_DISTRIBUTION_PATH = re.compile(r"/distribution/(?P<id>[^/?]+)")


SERVICE_PREFIXES = {"monitoring": "cloudwatch"}
"""moto names CloudWatch by its endpoint (``monitoring``); IAM by its service prefix."""


def iam_action(action: str) -> str:
    """The IAM action ``service:Operation`` is authorized under."""
    service, _, operation = action.partition(":")
    if service in SERVICE_PREFIXES:
        action = f"{SERVICE_PREFIXES[service]}:{operation}"
    return ACTION_ALIASES.get(action, action)


def topic_resource(response: Any) -> str:
    """SNS: the topic (or target) the request names; ``CreateTopic``: the topic it creates."""
    for name in ("TopicArn", "TargetArn", "ResourceArn"):
        value = response._get_param(name)
        if value:
            return str(value)
    created = response._get_param("Name")
    if created:
        return f"arn:aws:sns:{response.region}:{response.current_account}:{created}"
    return "*"


def key_resource(response: Any) -> str:
    """KMS: the key ``KeyId`` names (id, ARN or alias), as its key ARN."""
    key_id = response._get_param("KeyId")
    backend = response.kms_backend
    if not key_id:
        blob = response._get_param("CiphertextBlob")
        key_id = _key_of_ciphertext(blob) if blob else None
    if not key_id:
        return "*"
    try:
        return str(backend.keys[backend.any_id_to_key_id(str(key_id))].arn)
    except Exception:  # noqa: BLE001 - no such key: evaluated as named (moto answers NotFound after)
        return str(key_id)


def secret_resource(response: Any) -> str:
    """Secrets Manager: the secret ``SecretId`` names (name or ARN), as its ARN."""
    secret_id = response._get_param("SecretId")
    if not secret_id:
        return "*"
    try:
        return str(response.backend.describe_secret(str(secret_id)).arn)
    except Exception:  # noqa: BLE001 - no such secret: evaluated as named
        return str(secret_id)


def queue_by_name_resource(original: Any) -> Any:
    """SQS: moto resolves ``QueueUrl`` only; ``GetQueueUrl``/``CreateQueue`` name the queue instead."""

    def resolve(response: Any) -> str:
        name = response._get_param("QueueName")
        if name and response._get_action() in ("GetQueueUrl", "CreateQueue"):
            return f"arn:aws:sqs:{response.region}:{response.current_account}:{name}"
        return str(original(response))

    return resolve


def distribution_resource(response: Any) -> str:
    """CloudFront: the distribution in the request path, as its ARN."""
    match = _DISTRIBUTION_PATH.search(str(response.path))
    if not match:
        return "*"
    return f"arn:aws:cloudfront::{response.current_account}:distribution/{match['id']}"


def metrics_resource(response: Any) -> str:
    """CloudWatch: ``DescribeAlarms`` by name prefix acts on those alarms; metric queries on the
    account's default dataset (metrics have no ARN of their own); anything else on ``*``."""
    action = response._get_action()
    base = f"arn:aws:cloudwatch:{response.region}:{response.current_account}"
    if action == "DescribeAlarms":
        prefix = response._get_param("AlarmNamePrefix")
        return f"{base}:alarm:{prefix}*" if prefix else "*"
    if action in ("GetMetricData", "GetMetricStatistics"):
        return f"{base}:dataset/default"
    return "*"


def resolve_resource_arns() -> None:
    """Give SNS, KMS, Secrets Manager, CloudFront and CloudWatch moto's ``_determine_resource`` hook (once)."""
    from moto.cloudfront.responses import CloudFrontResponse
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import BaseResponse
    from moto.kms.responses import KmsResponse
    from moto.secretsmanager.responses import SecretsManagerResponse
    from moto.sns.responses import SNSResponse
    from moto.sqs.responses import SQSResponse

    patches.require((BaseResponse, "call_action"), (KmsResponse, "kms_backend"))
    by_name = queue_by_name_resource(patches.original(SQSResponse, "_determine_resource"))
    patches.patch(SQSResponse, "_determine_resource", by_name)
    for cls, resolver in (
        (SNSResponse, topic_resource),
        (KmsResponse, key_resource),
        (SecretsManagerResponse, secret_resource),
        (CloudFrontResponse, distribution_resource),
        (CloudWatchResponse, metrics_resource),
    ):
        patches.add(cls, "_determine_resource", resolver)  # a hook moto looks up by name


def _key_of_ciphertext(blob: str) -> str | None:
    try:
        from base64 import b64decode

        from moto.kms.utils import _deserialize_ciphertext_blob

        return str(_deserialize_ciphertext_blob(b64decode(blob)).key_id)
    except Exception:  # noqa: BLE001 - not a ciphertext moto made
        return None
