"""Backing off a record through its queue instead of sleeping in the handler.

A record reported in ``batchItemFailures`` reappears after the queue's visibility timeout;
changing that timeout for the one message (``ChangeMessageVisibility`` with the record's
receipt handle) makes it come back when the handler asks: sooner for a lease that is about
to expire, later for a throttled dependency.
"""

from __future__ import annotations

import functools
from typing import Any, Protocol

from circulion.lambda_types import SqsRecord


class RetryScheduler(Protocol):
    """Port: when a failed record should be seen again."""

    def delay(self, record: SqsRecord, seconds: int) -> None: ...


class SqsRetryScheduler:
    """:class:`RetryScheduler` changing the message's visibility timeout."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs

    def delay(self, record: SqsRecord, seconds: int) -> None:
        queue_url = self._queue_url(record["eventSourceARN"].rsplit(":", 1)[-1])
        self._sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=seconds
        )

    @functools.cache  # noqa: B019 - one instance per process; queue URLs never change
    def _queue_url(self, queue_name: str) -> str:
        return str(self._sqs.get_queue_url(QueueName=queue_name)["QueueUrl"])
