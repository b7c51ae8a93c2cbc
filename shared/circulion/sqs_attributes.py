"""SQS and SNS attribute values as the APIs take them (``{"DataType": ..., "StringValue": ...}``).

Every sender of a message (event bus, dead-letter queue, CLI redrive, chaos injector) builds
the same shapes; here once.
"""

from __future__ import annotations

from typing import TypedDict

TRACE_SYSTEM_ATTRIBUTE = "AWSTraceHeader"
"""The system attribute SQS carries an X-Ray trace header in."""


class StringAttribute(TypedDict):
    DataType: str
    StringValue: str


def string_attribute(value: str) -> StringAttribute:
    """A ``String`` message attribute (SNS ``MessageAttributes``, SQS ``MessageAttributes``)."""
    return {"DataType": "String", "StringValue": value}


def trace_system_attributes(trace_header: str) -> dict[str, StringAttribute]:
    """SQS ``MessageSystemAttributes`` carrying an X-Ray trace header."""
    return {TRACE_SYSTEM_ATTRIBUTE: string_attribute(trace_header)}
