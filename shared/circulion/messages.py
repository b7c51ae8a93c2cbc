"""Turning queue records back into contract models.

A record reaches a consumer in one of three shapes: raw SNS delivery (the body is the
envelope JSON), SNS delivery without raw mode (the body is SNS's JSON with the envelope in
``Message``), or a direct SQS send (the body is the envelope JSON). Transport unwrapping
stays here, apart from the payload models.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import ValidationError

from circulion.contracts.envelope import Envelope
from circulion.contracts.events import ANY_MESSAGE
from circulion.errors import MalformedMessage, UnexpectedEventType
from circulion.lambda_types import SqsRecord
from circulion.sqs_attributes import string_attribute

M = TypeVar("M", bound=Envelope)

TYPE_ATTRIBUTE = "type"
TRACE_ATTRIBUTE = "trace_header"


def record_body(record: SqsRecord) -> str:
    """The envelope JSON inside a record, unwrapping SNS's non-raw envelope if present."""
    body = record["body"]
    try:
        outer = json.loads(body)
    except ValueError as exc:
        raise MalformedMessage(f"record body is not JSON: {exc}") from exc
    if isinstance(outer, dict) and outer.get("Type") == "Notification" and "Message" in outer:
        message = outer["Message"]
        if not isinstance(message, str):
            raise MalformedMessage("SNS notification has a non-string Message")
        return message
    return body


def parse_message(body: str, *, expect: tuple[type[M], ...] | type[M] | None = None) -> Envelope:
    """Parse envelope JSON into its message class.

    Parameters
    ----------
    body
        The envelope JSON.
    expect
        The message classes this consumer handles; another well-formed type raises
        :class:`UnexpectedEventType`.

    Raises
    ------
    MalformedMessage
        The JSON is not any known message, or breaks its contract.
    """
    try:
        message: Envelope = ANY_MESSAGE.validate_json(body)
    except ValidationError as exc:
        raise MalformedMessage(
            f"message does not match any contract: {_short_errors(exc)}",
            details=exc.errors(include_url=False, include_input=False),
        ) from exc
    if expect is not None:
        wanted = expect if isinstance(expect, tuple) else (expect,)
        if not isinstance(message, wanted):
            names = ", ".join(cls.model_fields["type"].default for cls in wanted)
            raise UnexpectedEventType(f"got {message.type!r}, this consumer handles {names}")
    return message


def parse_record(record: SqsRecord, *, expect: tuple[type[M], ...] | type[M] | None = None) -> Envelope:
    """Parse one SQS record (any of the three shapes) into its message class."""
    message = parse_message(record_body(record), expect=expect)
    if message.trace_header is None:
        header = record_trace_header(record)
        if header:
            message = message.with_trace(header)
    return message


def record_trace_header(record: SqsRecord) -> str | None:
    """The trace header a record carries: system attribute first, then message attribute."""
    header = record.get("attributes", {}).get("AWSTraceHeader")
    if header:
        return header
    attribute = record.get("messageAttributes", {}).get(TRACE_ATTRIBUTE)
    if attribute:
        return attribute.get("stringValue")
    return None


def sns_message_attributes(message: Envelope) -> dict[str, Any]:
    """SNS message attributes for a message: ``type`` for filter policies, and the trace.

    String attributes only: binary attributes break raw delivery on the emulator.
    """
    attributes: dict[str, Any] = {
        TYPE_ATTRIBUTE: string_attribute(message.type),
    }
    if message.trace_header:
        attributes[TRACE_ATTRIBUTE] = string_attribute(message.trace_header)
    return attributes


def _short_errors(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False, include_input=False)[:3]:
        where = ".".join(str(p) for p in error["loc"])
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
