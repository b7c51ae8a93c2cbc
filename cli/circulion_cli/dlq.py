"""Dead-letter queues for SREs: what sits there and why, and moving it back.

Talks to SQS directly (boto3): there is no API for this on purpose, it is an operator's
tool. A redrive sends each message to its source queue and deletes it from the DLQ only
after the send succeeded, so a crash between the two duplicates a message (handlers are
idempotent) but never loses one.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from circulion.dead_letter_attributes import FUNCTION_ATTRIBUTE, REASON_ATTRIBUTE, SOURCE_ATTRIBUTE
from circulion.pipeline_queues import DLQ_SUFFIX
from circulion.sqs_attributes import trace_system_attributes
from circulion.upload_keys import recipe_of_key
from circulion_cli.errors import UsageError

QUEUE_PREFIX = "circulion-"
DRAIN_VISIBILITY_S = 60
"""Messages stay hidden this long while listed; they are released right after."""

_FAILURE_ATTRIBUTES = frozenset({REASON_ATTRIBUTE, FUNCTION_ATTRIBUTE, SOURCE_ATTRIBUTE})


@dataclass(frozen=True)
class DeadLetter:
    """One message in a dead-letter queue."""

    queue: str
    source_queue: str
    message_id: str
    recipe_id: str | None
    event_type: str | None
    reason: str | None
    function: str | None
    receive_count: int
    sent_at: datetime | None
    body: str = field(repr=False)
    receipt_handle: str = field(repr=False)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    trace_header: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "queue": self.queue,
            "source_queue": self.source_queue,
            "message_id": self.message_id,
            "recipe_id": self.recipe_id,
            "type": self.event_type,
            "failure_reason": self.reason,
            "failed_function": self.function,
            "receive_count": self.receive_count,
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


@dataclass(frozen=True)
class RedriveReport:
    moved: list[DeadLetter]
    failed: list[tuple[DeadLetter, str]]


class DeadLetterQueues:
    """Every ``circulion-*-dlq`` queue reachable with one boto3 SQS client."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs

    def queue_names(self) -> list[str]:
        names: list[str] = []
        kwargs: dict[str, Any] = {"QueueNamePrefix": QUEUE_PREFIX, "MaxResults": 1000}
        while True:
            page = self._sqs.list_queues(**kwargs)
            names += [url.rsplit("/", 1)[-1] for url in page.get("QueueUrls", [])]
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        return sorted(name for name in names if name.endswith(DLQ_SUFFIX))

    def peek(self, *, queue: str | None = None, recipe_id: str | None = None) -> list[DeadLetter]:
        """Messages in the DLQs (all, or those of one queue / recipe), left in place."""
        found: list[DeadLetter] = []
        for name in self._selected(queue):
            url = self._url(name)
            letters = list(self._drain(name, url))
            self._release(url, letters)
            found += [letter for letter in letters if _matches(letter, recipe_id)]
        return found

    def redrive(self, *, queue: str | None = None, recipe_id: str | None = None) -> RedriveReport:
        """Move matching messages back to their source queues."""
        moved: list[DeadLetter] = []
        failed: list[tuple[DeadLetter, str]] = []
        for name in self._selected(queue):
            url = self._url(name)
            # Drain first, send after: a message that fails again and comes back to this
            # DLQ during the redrive is not picked up a second time.
            letters = list(self._drain(name, url))
            keep = [letter for letter in letters if not _matches(letter, recipe_id)]
            for letter in letters:
                if not _matches(letter, recipe_id):
                    continue
                try:
                    self._send_back(letter)
                except Exception as exc:  # noqa: BLE001 - reported per message; the message stays
                    failed.append((letter, f"{type(exc).__name__}: {exc}"))
                    keep.append(letter)
                    continue
                self._sqs.delete_message(QueueUrl=url, ReceiptHandle=letter.receipt_handle)
                moved.append(letter)
            self._release(url, keep)
        return RedriveReport(moved, failed)

    def _selected(self, queue: str | None) -> list[str]:
        names = self.queue_names()
        if queue is None:
            return names
        wanted = {queue, QUEUE_PREFIX + queue}
        wanted |= {name + DLQ_SUFFIX for name in wanted}
        selected = [name for name in names if name in wanted]
        if not selected:
            # "No messages" would be a lie about a queue that does not exist.
            known = ", ".join(name.removeprefix(QUEUE_PREFIX).removesuffix(DLQ_SUFFIX) for name in names) or "none"
            raise UsageError(f"no dead-letter queue {queue!r}; known: {known}")
        return selected

    def _url(self, name: str) -> str:
        return str(self._sqs.get_queue_url(QueueName=name)["QueueUrl"])

    def _drain(self, name: str, url: str) -> Iterator[DeadLetter]:
        seen: set[str] = set()
        while True:
            response = self._sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=DRAIN_VISIBILITY_S,
                WaitTimeSeconds=0,
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
            )
            messages = response.get("Messages", [])
            fresh = [m for m in messages if m["MessageId"] not in seen]
            if not fresh:
                return
            for message in fresh:
                seen.add(message["MessageId"])
                yield to_dead_letter(name, message)

    def _release(self, url: str, letters: list[DeadLetter]) -> None:
        for start in range(0, len(letters), 10):
            batch = letters[start : start + 10]
            self._sqs.change_message_visibility_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": letter.receipt_handle, "VisibilityTimeout": 0}
                    for i, letter in enumerate(batch)
                ],
            )

    def _send_back(self, letter: DeadLetter) -> None:
        kwargs: dict[str, Any] = {
            "QueueUrl": self._url(letter.source_queue),
            "MessageBody": letter.body,
        }
        attributes = {k: v for k, v in letter.attributes.items() if k not in _FAILURE_ATTRIBUTES}
        if attributes:
            kwargs["MessageAttributes"] = attributes
        if letter.trace_header:
            kwargs["MessageSystemAttributes"] = trace_system_attributes(letter.trace_header)
        self._sqs.send_message(**kwargs)


def to_dead_letter(queue: str, message: dict[str, Any]) -> DeadLetter:
    """An SQS ``receive_message`` entry as a :class:`DeadLetter`."""
    attributes = {
        key: {"DataType": value.get("DataType", "String"), "StringValue": value["StringValue"]}
        for key, value in message.get("MessageAttributes", {}).items()
        if value.get("StringValue") is not None
    }
    system = message.get("Attributes", {})
    sent_ms = system.get("SentTimestamp")
    body = str(message.get("Body", ""))
    event_type = attributes.get("type", {}).get("StringValue") or _body_field(body, "type")
    return DeadLetter(
        queue=queue,
        source_queue=attributes.get(SOURCE_ATTRIBUTE, {}).get("StringValue") or queue.removesuffix(DLQ_SUFFIX),
        message_id=message["MessageId"],
        recipe_id=recipe_id_of(body),
        event_type=event_type,
        reason=attributes.get(REASON_ATTRIBUTE, {}).get("StringValue"),
        function=attributes.get(FUNCTION_ATTRIBUTE, {}).get("StringValue"),
        receive_count=int(system.get("ApproximateReceiveCount", "0")),
        sent_at=datetime.fromtimestamp(int(sent_ms) / 1000, UTC) if sent_ms else None,
        body=body,
        receipt_handle=message["ReceiptHandle"],
        attributes=attributes,
        trace_header=system.get("AWSTraceHeader"),
    )


def recipe_id_of(body: str) -> str | None:
    """The recipe a message is about: the envelope's ``recipe_id`` (raw or SNS-wrapped),
    or, for an S3 notification, the id in its ``incoming/{tenant}/{recipe}`` key."""
    document = _json(body)
    if isinstance(document, dict) and document.get("Type") == "Notification":
        document = _json(document.get("Message"))
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("recipe_id"), str):
        return str(document["recipe_id"])
    for record in document.get("Records") or []:
        key = urllib.parse.unquote_plus(str(record.get("s3", {}).get("object", {}).get("key", "")))
        recipe_id = recipe_of_key(key)
        if recipe_id is not None:
            return recipe_id
    return None


def _matches(letter: DeadLetter, recipe_id: str | None) -> bool:
    return recipe_id is None or letter.recipe_id == recipe_id


def _body_field(body: str, name: str) -> str | None:
    document = _json(body)
    value = document.get(name) if isinstance(document, dict) else None
    return value if isinstance(value, str) else None


def _json(raw: object) -> object:
    if not isinstance(raw, str):
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
