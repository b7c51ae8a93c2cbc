"""S3 ObjectCreated notifications (via SNS, raw delivery) as messages the batch processor runs.

A notification is not one of the bus's envelopes, so this module gives the validation
queue its own two: :class:`ObjectArrived` for an object under ``incoming/{tenant}/{recipe}``
and :class:`NotificationIgnored` for anything else (S3's ``s3:TestEvent``, a key outside
that layout), which the handler logs and drops instead of dead-lettering.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import unquote_plus

from circulion import log, upload_keys
from circulion.contracts.envelope import Envelope, Payload
from circulion.errors import CirculionError, MalformedMessage
from circulion.lambda_types import SqsRecord
from circulion.messages import record_body

_log = logging.getLogger(__name__)

KEY_PATTERN = upload_keys.INCOMING_KEY
UNKNOWN = "-"
"""Placeholder recipe/tenant of an ignored notification (the envelope requires both)."""


class ObjectArrivedPayload(Payload):
    bucket: str
    key: str
    version_id: str | None = None
    size: int | None = None
    event_name: str


class ObjectArrived(Envelope):
    """A customer's object landed under ``incoming/``."""

    type: Literal["upload.object_arrived"] = "upload.object_arrived"
    payload: ObjectArrivedPayload


class NotificationIgnoredPayload(Payload):
    reason: str
    detail: str


class NotificationIgnored(Envelope):
    """A notification that is not about a customer's upload."""

    type: Literal["upload.notification_ignored"] = "upload.notification_ignored"
    payload: NotificationIgnoredPayload


TraceLookup = Callable[[str], str | None]
"""recipe id → the trace header stored when the API created it."""


def _ignored(reason: str, detail: str) -> NotificationIgnored:
    return NotificationIgnored(
        recipe_id=UNKNOWN, tenant_id=UNKNOWN, payload=NotificationIgnoredPayload(reason=reason, detail=detail[:500])
    )


def parse_notification(record: SqsRecord, traces: TraceLookup | None = None) -> Envelope:
    """Turn one SQS record from the validation queue into a message.

    Raises
    ------
    MalformedMessage
        The body is not JSON, or S3 batched several records (it sends one per message).
    """
    try:
        document: Any = json.loads(record_body(record))
    except ValueError as exc:
        raise MalformedMessage(f"notification is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise MalformedMessage("notification is not a JSON object")
    if document.get("Event") == "s3:TestEvent":
        return _ignored("test_event", "S3 test event")
    records = document.get("Records")
    if not isinstance(records, list) or not records:
        return _ignored("not_s3_notification", json.dumps(document)[:200])
    if len(records) > 1:
        raise MalformedMessage(f"expected one S3 record per message, got {len(records)}")
    s3_record = records[0]
    event_name = str(s3_record.get("eventName", ""))
    s3 = s3_record.get("s3") or {}
    bucket = str((s3.get("bucket") or {}).get("name", ""))
    obj = s3.get("object") or {}
    key = unquote_plus(str(obj.get("key", "")))
    if not event_name.startswith("ObjectCreated:"):
        return _ignored("not_object_created", f"{event_name} {key}")
    match = KEY_PATTERN.fullmatch(key)
    if not match or not bucket:
        return _ignored("unexpected_key", f"s3://{bucket}/{key}")
    recipe_id = match["recipe"]
    size = obj.get("size")
    return ObjectArrived(
        recipe_id=recipe_id,
        tenant_id=match["tenant"],
        trace_header=_trace(recipe_id, traces),
        payload=ObjectArrivedPayload(
            bucket=bucket,
            key=key,
            version_id=obj.get("versionId") or None,
            size=int(size) if isinstance(size, int) else None,
            event_name=event_name,
        ),
    )


def _trace(recipe_id: str, traces: TraceLookup | None) -> str | None:
    """S3 carries no trace: the recipe record has the one its API request started."""
    if traces is None:
        return None
    try:
        return traces(recipe_id)
    except CirculionError as exc:
        # Only the trace link is lost; the handler reads the record again and fails properly.
        _log.warning("could not read the recipe's trace header", extra=log.fields(error=exc.message))
        return None
