"""Builders of the dicts Lambda hands a function, for handler tests."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from circulion.contracts.envelope import Envelope
from circulion.lambda_types import ScheduledEvent, SqsEvent, SqsRecord
from circulion.lambda_types import scheduled_event as new_scheduled_event
from circulion.messages import TRACE_ATTRIBUTE, TYPE_ATTRIBUTE

ACCOUNT = "123456789012"
REGION = "us-east-1"


def sqs_record(
    message: Envelope | str,
    *,
    queue: str = "circulion-test",
    receive_count: int = 1,
    sns_wrapped: bool = False,
) -> SqsRecord:
    """One SQS record carrying ``message`` as raw SNS delivery (default) or SNS-wrapped."""
    body = message if isinstance(message, str) else message.to_json()
    if sns_wrapped:
        body = json.dumps({"Type": "Notification", "MessageId": str(uuid.uuid4()), "Message": body})
    attributes: dict[str, dict[str, str]] = {}
    trace = None
    if isinstance(message, Envelope):
        attributes[TYPE_ATTRIBUTE] = {"stringValue": message.type, "dataType": "String"}
        if message.trace_header:
            trace = message.trace_header
            attributes[TRACE_ATTRIBUTE] = {"stringValue": trace, "dataType": "String"}
    now = str(int(datetime.now(UTC).timestamp() * 1000))
    record: SqsRecord = {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": uuid.uuid4().hex,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": now,
            "SenderId": ACCOUNT,
            "ApproximateFirstReceiveTimestamp": now,
        },
        "messageAttributes": attributes,  # type: ignore[typeddict-item]
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}",
        "awsRegion": REGION,
    }
    if trace:
        record["attributes"]["AWSTraceHeader"] = trace
    return record


def sqs_event(messages: Sequence[Envelope | str | SqsRecord], *, queue: str = "circulion-test") -> SqsEvent:
    """An SQS event of several records (messages are wrapped, records kept as given)."""
    records: list[SqsRecord] = []
    for item in messages:
        if isinstance(item, dict):
            records.append(item)
        else:
            records.append(sqs_record(item, queue=queue))
    return {"Records": records}


def scheduled_event(rule: str = "circulion-test-schedule") -> ScheduledEvent:
    """The event EventBridge sends a scheduled function."""
    return new_scheduled_event(f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}", datetime.now(UTC), REGION, ACCOUNT)
