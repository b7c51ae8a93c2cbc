"""The vocabulary of the permission map: what a function may do, to which shared resource.

A :class:`Grant` names actions and resources abstractly (an infra export, the function's
own log group, ...); :mod:`deploy.policy` renders them for CloudFormation or Terraform.
The verbs here (:func:`consume`, :func:`publish`, :func:`objects`...) encode the project's
conventions once: a consumer's dead-letter queue is its queue's name + ``-dlq``; a
DynamoDB transaction needs the per-item actions (there is no ``TransactWriteItems`` IAM
action); SSE-KMS reads need ``kms:Decrypt``.
"""

from __future__ import annotations

from dataclasses import dataclass

DLQ_SUFFIX = "-dlq"


@dataclass(frozen=True)
class Exported:
    """The ARN an infra output exports, with ``suffix`` appended (``/incoming/*``, ``-dlq``)."""

    output: str
    suffix: str = ""


@dataclass(frozen=True)
class Distribution:
    """The CloudFront distribution whose id the infra output ``id_output`` exports."""

    id_output: str = "DistributionId"


@dataclass(frozen=True)
class OwnLogGroup:
    """The function's own ``/aws/lambda/<name>`` log group."""


@dataclass(frozen=True)
class CloudWatchResource:
    """A CloudWatch resource of this account and region: ``alarm:circulion-*``, ``dataset/default``."""

    path: str


@dataclass(frozen=True)
class Everything:
    """``*``: only where AWS offers no resource-level permission (X-Ray); ``why`` says so."""

    why: str


Resource = Exported | Distribution | OwnLogGroup | CloudWatchResource | Everything


@dataclass(frozen=True)
class Grant:
    """One IAM statement: ``actions`` on ``resources``; ``sid`` names its purpose."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[Resource, ...]


def baseline() -> tuple[Grant, ...]:
    """What every function needs: its own logs and X-Ray segments."""
    return (
        Grant("Logs", ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"), (OwnLogGroup(),)),
        Grant(
            "Tracing",
            ("xray:PutTraceSegments", "xray:PutTelemetryRecords"),
            (Everything("X-Ray has no resource-level permissions"),),
        ),
    )


def consume(queue: str) -> tuple[Grant, ...]:
    """Poll ``queue`` (Lambda's event source) and dead-letter into its DLQ with a reason.

    The batch processor reads the queue's ``RedrivePolicy`` (``GetQueueUrl`` +
    ``GetQueueAttributes``) to know a record's last attempt, then sends it to the DLQ itself.
    """
    arn = f"{queue}QueueArn"
    return (
        Grant(
            f"Consume{queue}",
            ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"),
            (Exported(arn),),
        ),
        Grant(f"DeadLetter{queue}", ("sqs:GetQueueUrl", "sqs:SendMessage"), (Exported(arn, DLQ_SUFFIX),)),
    )


def delay(queue: str) -> Grant:
    """Change the visibility of ``queue``'s messages (retry with backoff through the queue)."""
    return Grant(f"Delay{queue}", ("sqs:ChangeMessageVisibility",), (Exported(f"{queue}QueueArn"),))


def send(queue: str) -> Grant:
    """Send messages to ``queue`` (looking its URL up by name first)."""
    return Grant(f"SendTo{queue}", ("sqs:GetQueueUrl", "sqs:SendMessage"), (Exported(f"{queue}QueueArn"),))


def look_up(queue: str) -> Grant:
    """Only resolve ``queue``'s URL (a process wires a sender it may not use in this function)."""
    return Grant(f"LookUp{queue}", ("sqs:GetQueueUrl",), (Exported(f"{queue}QueueArn"),))


def publish(topic: str = "Events") -> Grant:
    """Publish to ``topic`` (every consumer may publish ``recipe.failed``)."""
    return Grant(f"PublishTo{topic}", ("sns:Publish",), (Exported(f"{topic}TopicArn"),))


def table(name: str, actions: tuple[str, ...], *, indexes: tuple[str, ...] = ()) -> Grant:
    """``dynamodb:<action>`` on table ``name`` (and its ``indexes``, for queries)."""
    arn = f"{name}TableArn"
    resources: tuple[Resource, ...] = (Exported(arn), *(Exported(arn, f"/index/{i}") for i in indexes))
    return Grant(f"{name}Table", tuple(f"dynamodb:{a}" for a in actions), resources)


def objects(bucket: str, actions: tuple[str, ...], prefixes: tuple[str, ...], *, sid: str = "") -> Grant:
    """``s3:<action>`` on objects of ``bucket`` under ``prefixes`` (each ends in ``*`` or names a key)."""
    return Grant(
        sid or f"{bucket}Objects",
        tuple(f"s3:{a}" for a in actions),
        tuple(Exported(f"{bucket}BucketArn", f"/{p}") for p in prefixes),
    )


def listing(bucket: str) -> Grant:
    """``s3:ListBucket`` on ``bucket``: without it S3 answers a read of a missing key with 403, not 404."""
    return Grant(f"List{bucket}", ("s3:ListBucket",), (Exported(f"{bucket}BucketArn"),))


def data_key(actions: tuple[str, ...]) -> Grant:
    """``kms:<action>`` with the uploads bucket's key (SSE-KMS)."""
    return Grant("UploadsDataKey", tuple(f"kms:{a}" for a in actions), (Exported("DataKeyArn"),))


def read_secret(output: str) -> Grant:
    """Read the Secrets Manager secret whose ARN the infra output ``output`` exports."""
    return Grant("ReadSigningKey", ("secretsmanager:GetSecretValue",), (Exported(output),))


def invalidate() -> Grant:
    """Create invalidations on the artifacts distribution."""
    return Grant("InvalidateCdn", ("cloudfront:CreateInvalidation",), (Distribution(),))
