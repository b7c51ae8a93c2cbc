"""Moving a message to its queue's dead-letter queue with the reason attached.

SQS's own redrive moves a message after ``maxReceiveCount`` receives but records no
reason. On a record's last attempt (or when it can never succeed) the batch processor
moves it itself, adding ``failure_reason`` and ``failed_function`` attributes, so an SRE
sees why it is there (``circulion dlq list``) and can redrive it once the cause is gone.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, Protocol

from circulion.dead_letter_attributes import FUNCTION_ATTRIBUTE, REASON_ATTRIBUTE, SOURCE_ATTRIBUTE
from circulion.lambda_types import SqsRecord
from circulion.sqs_attributes import string_attribute, trace_system_attributes

__all__ = [
    "FUNCTION_ATTRIBUTE",
    "REASON_ATTRIBUTE",
    "SOURCE_ATTRIBUTE",
    "DeadLetters",
    "RedrivePolicy",
    "SqsDeadLetters",
]


@dataclass(frozen=True)
class RedrivePolicy:
    dead_letter_queue_url: str
    max_receive_count: int


class DeadLetters(Protocol):
    """Port: where records go when they will not succeed."""

    def policy(self, queue_arn: str) -> RedrivePolicy | None: ...

    def send(self, record: SqsRecord, reason: str, function: str) -> None: ...


class SqsDeadLetters:
    """:class:`DeadLetters` reading each queue's ``RedrivePolicy`` once per process."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs

    @functools.cache  # noqa: B019 - per-process cache of static queue attributes
    def policy(self, queue_arn: str) -> RedrivePolicy | None:
        queue_name = queue_arn.rsplit(":", 1)[-1]
        url = self._sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        attributes = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
        raw = attributes.get("Attributes", {}).get("RedrivePolicy")
        if not raw:
            return None
        policy = json.loads(raw)
        dlq_name = str(policy["deadLetterTargetArn"]).rsplit(":", 1)[-1]
        dlq_url = self._sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"]
        return RedrivePolicy(dlq_url, int(policy["maxReceiveCount"]))

    def send(self, record: SqsRecord, reason: str, function: str) -> None:
        policy = self.policy(record["eventSourceARN"])
        if policy is None:
            raise LookupError(f"{record['eventSourceARN']} has no dead-letter queue")
        attributes: dict[str, Any] = {}
        for name, value in record.get("messageAttributes", {}).items():
            if value.get("stringValue") is not None:
                attributes[name] = {
                    "DataType": value.get("dataType", "String"),
                    "StringValue": value["stringValue"],
                }
        attributes[REASON_ATTRIBUTE] = string_attribute(reason[:1000])
        attributes[FUNCTION_ATTRIBUTE] = string_attribute(function)
        attributes[SOURCE_ATTRIBUTE] = string_attribute(record["eventSourceARN"].rsplit(":", 1)[-1])
        kwargs: dict[str, Any] = {
            "QueueUrl": policy.dead_letter_queue_url,
            "MessageBody": record["body"],
            "MessageAttributes": attributes,
        }
        trace = record.get("attributes", {}).get("AWSTraceHeader")
        if trace:
            kwargs["MessageSystemAttributes"] = trace_system_attributes(trace)
        self._sqs.send_message(**kwargs)
