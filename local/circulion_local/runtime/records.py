"""SQS messages shaped exactly as Lambda's event source mapping hands them to a function.

``ReceiveMessage`` speaks PascalCase (``MessageId``, ``MessageAttributes`` with
``StringValue``/``DataType``); Lambda's records are camelCase, attributes keep SQS's names,
message attributes always carry ``stringListValues``/``binaryListValues`` and binary values
arrive base64-encoded.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from circulion.lambda_types import SqsEvent, SqsMessageAttribute, SqsRecord, SqsRecordAttributes

RECEIVE_ARGUMENTS: Mapping[str, Any] = {
    # AttributeNames is deprecated but older emulators only know it; asking both is harmless.
    "AttributeNames": ["All"],
    "MessageSystemAttributeNames": ["All"],
    "MessageAttributeNames": ["All"],
}
"""What every receive asks for, so records carry ``AWSTraceHeader`` and message attributes."""

_LAMBDA_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
)


def _b64(value: bytes | str) -> str:
    raw = value.encode() if isinstance(value, str) else value
    return base64.b64encode(raw).decode()


def message_attribute(attribute: Mapping[str, Any]) -> SqsMessageAttribute:
    """One message attribute in Lambda's lowercase shape."""
    shaped: SqsMessageAttribute = {}
    if "StringValue" in attribute:
        shaped["stringValue"] = str(attribute["StringValue"])
    if "BinaryValue" in attribute:
        shaped["binaryValue"] = _b64(attribute["BinaryValue"])
    shaped["stringListValues"] = [str(v) for v in attribute.get("StringListValues", [])]
    shaped["binaryListValues"] = [_b64(v) for v in attribute.get("BinaryListValues", [])]
    shaped["dataType"] = str(attribute.get("DataType", "String"))
    return shaped


def lambda_record(message: Mapping[str, Any], queue_arn: str, region: str) -> SqsRecord:
    """One received SQS message as a Lambda SQS record."""
    received = message.get("Attributes", {})
    attributes: SqsRecordAttributes = {}
    for name in _LAMBDA_ATTRIBUTES:
        if name in received:
            attributes[name] = str(received[name])  # type: ignore[literal-required]
    return {
        "messageId": str(message["MessageId"]),
        "receiptHandle": str(message["ReceiptHandle"]),
        "body": str(message.get("Body", "")),
        "attributes": attributes,
        "messageAttributes": {
            name: message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": str(message.get("MD5OfBody", "")),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str, region: str) -> SqsEvent:
    """The event of one invocation."""
    return {"Records": [lambda_record(m, queue_arn, region) for m in messages]}
