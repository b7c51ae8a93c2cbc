"""What the processor reads off the Lambda event: its records and their receive counts."""

from __future__ import annotations

from typing import Any

from circulion.lambda_types import SqsEvent, SqsRecord


def sqs_records(event: SqsEvent | Any) -> list[SqsRecord]:
    """The records of an SQS event, whether Lambda's dict or Chalice's ``SQSEvent``.

    Parameters
    ----------
    event
        The event a function was invoked with; Chalice wraps the dict in an object with
        ``to_dict()``.

    Returns
    -------
    list[SqsRecord]
        The event's own record dicts (not copies: a record moved to the DLQ is the one
        received).
    """
    raw: SqsEvent = event.to_dict() if hasattr(event, "to_dict") else event  # type: ignore[union-attr]
    return raw["Records"]


def receive_count(record: SqsRecord) -> int:
    """How many times SQS has delivered the record, this delivery included (1 when unknown)."""
    return int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
