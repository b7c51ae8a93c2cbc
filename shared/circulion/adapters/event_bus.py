"""Publishing messages: events to the SNS topic, tasks to the work queue.

:class:`Publisher` routes each message by its ``channel`` so a handler can simply return
everything it wants sent. Every outgoing message gets the current span's trace header.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from circulion import tracing
from circulion.contracts.envelope import Envelope
from circulion.errors import TransientError
from circulion.messages import TRACE_ATTRIBUTE, TYPE_ATTRIBUTE, sns_message_attributes
from circulion.sqs_attributes import string_attribute, trace_system_attributes

SQS_BATCH_LIMIT = 10


class EventBus(Protocol):
    """Port: publish lifecycle events to every interested consumer."""

    def publish(self, event: Envelope) -> None: ...


class TaskQueue(Protocol):
    """Port: enqueue tasks for workers."""

    def send(self, tasks: Sequence[Envelope]) -> None: ...


class SnsEventBus:
    """Events on an SNS topic, with the ``type`` attribute that filter policies select on."""

    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic_arn = topic_arn

    def publish(self, event: Envelope) -> None:
        self._sns.publish(
            TopicArn=self._topic_arn,
            Message=event.to_json(),
            MessageAttributes=sns_message_attributes(event),
        )


class SqsTaskQueue:
    """Tasks on an SQS queue, sent in batches of ten.

    ``send_message_batch`` loses ``AWSTraceHeader`` on the emulator, so the trace also
    travels in the envelope and as a message attribute.
    """

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def send(self, tasks: Sequence[Envelope]) -> None:
        for start in range(0, len(tasks), SQS_BATCH_LIMIT):
            batch = tasks[start : start + SQS_BATCH_LIMIT]
            entries = [_entry(str(i), task) for i, task in enumerate(batch)]
            response = self._sqs.send_message_batch(QueueUrl=self._queue_url, Entries=entries)
            failed = response.get("Failed") or []
            if failed:
                # A partial send is retried whole by redelivery: tasks are idempotent.
                raise TransientError(f"{len(failed)} of {len(entries)} tasks not enqueued: {failed[0]}")


def _entry(entry_id: str, task: Envelope) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        TYPE_ATTRIBUTE: string_attribute(task.type),
    }
    entry: dict[str, Any] = {"Id": entry_id, "MessageBody": task.to_json()}
    if task.trace_header:
        attributes[TRACE_ATTRIBUTE] = string_attribute(task.trace_header)
        entry["MessageSystemAttributes"] = trace_system_attributes(task.trace_header)
    entry["MessageAttributes"] = attributes
    return entry


class Publisher:
    """Sends a handler's output: events to the bus, tasks to the queue, in order given."""

    def __init__(self, bus: EventBus, tasks: TaskQueue | None = None) -> None:
        self._bus = bus
        self._tasks = tasks

    def publish(self, messages: Sequence[Envelope]) -> None:
        header = tracing.outgoing_trace_header()
        stamped = [m.with_trace(header) for m in messages]
        work = [m for m in stamped if m.channel == "work"]
        if work:
            if self._tasks is None:
                raise TypeError("this publisher has no task queue for 'work' messages")
            self._tasks.send(work)
        for message in stamped:
            if message.channel == "events":
                self._bus.publish(message)
