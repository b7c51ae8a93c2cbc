"""Lambda-shaped dicts, typed: what an SQS event source mapping hands a function."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TypedDict


class SqsMessageAttribute(TypedDict, total=False):
    stringValue: str
    binaryValue: str
    stringListValues: list[str]
    binaryListValues: list[str]
    dataType: str


class SqsRecordAttributes(TypedDict, total=False):
    ApproximateReceiveCount: str
    SentTimestamp: str
    SenderId: str
    ApproximateFirstReceiveTimestamp: str
    AWSTraceHeader: str


class SqsRecord(TypedDict):
    messageId: str
    receiptHandle: str
    body: str
    attributes: SqsRecordAttributes
    messageAttributes: dict[str, SqsMessageAttribute]
    md5OfBody: str
    eventSource: str
    eventSourceARN: str
    awsRegion: str


class SqsEvent(TypedDict):
    Records: list[SqsRecord]


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class BatchResponse(TypedDict):
    batchItemFailures: list[BatchItemFailure]


ScheduledEvent = TypedDict(
    "ScheduledEvent",
    {
        "version": str,
        "id": str,
        "detail-type": str,
        "source": str,
        "account": str,
        "time": str,
        "region": str,
        "resources": list[str],
        "detail": dict[str, object],
    },
)
"""What EventBridge sends a scheduled function (``detail-type`` is not an identifier)."""


def scheduled_event(rule_arn: str, fired_at: datetime, region: str, account: str) -> ScheduledEvent:
    """The event EventBridge sends a scheduled target (the local runtime's and the tests')."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": fired_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }
