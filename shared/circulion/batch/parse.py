"""The parse stage: a record becomes its message, or is settled as not being one."""

from __future__ import annotations

from collections.abc import Callable

from circulion.batch import settle
from circulion.batch.consumer import Consumer, HasPublisher
from circulion.batch.outcome import RecordOutcome
from circulion.contracts.envelope import Envelope
from circulion.errors import MalformedMessage, UnexpectedEventType
from circulion.lambda_types import SqsRecord
from circulion.messages import parse_record

RecordParser = Callable[[SqsRecord], Envelope]
"""Turns a record into a message; raises ``MalformedMessage`` for junk."""


def parser_for(expect: type[Envelope] | tuple[type[Envelope], ...], parse: RecordParser | None) -> RecordParser:
    """``parse`` when given, else the shared contracts restricted to ``expect``."""
    if parse is not None:
        return parse
    return lambda record: parse_record(record, expect=expect)


def read_message(
    record: SqsRecord, parser: RecordParser, deps: HasPublisher, consumer: Consumer
) -> Envelope | RecordOutcome:
    """The record's message; for a record that is none, its outcome (moved to the DLQ)."""
    try:
        return parser(record)
    except (MalformedMessage, UnexpectedEventType) as exc:
        return settle.unprocessable(record, exc, deps, consumer)
