"""One ``distribute`` invocation: publish every pointer, invalidate once, then announce.

Both passes run through the shared batch processor, so parsing, tracing, logging, partial
batch failures, dead-lettering and ``recipe.failed`` behave as in every other consumer.
Between them the batch's pointer paths become one invalidation (or a few, if CloudFront's
per-request bounds demand). Records whose invalidation was throttled are failed and their
messages hidden for an exponentially growing time, so the queue is the backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from chalicelib import commands, handlers
from chalicelib.bootstrap import Deps
from chalicelib.invalidation import retry_delay_seconds
from circulion import log, tracing
from circulion.batch import Consumer, for_each_record
from circulion.contracts.envelope import Envelope
from circulion.contracts.events import RecipeMerged
from circulion.errors import CirculionError
from circulion.lambda_types import BatchResponse, SqsEvent, SqsRecord
from circulion.messages import parse_record

Message = RecipeMerged | commands.Command
CONSUMED = (RecipeMerged, *commands.COMMANDS)
"""What the distributor's queue carries: merged recipes and withdraw/restore commands."""

DISTRIBUTE = Consumer(service="distributor", function="distribute", stage="distribution")

_log = logging.getLogger("circulion.distributor")


def distribute(event: SqsEvent | Any, deps: Deps) -> BatchResponse:
    """Handle a batch of ``recipe.merged`` and withdraw/restore records; return the partial batch response."""
    raw: SqsEvent = event.to_dict() if hasattr(event, "to_dict") else event  # type: ignore[union-attr]
    batch = handlers.BatchInvalidation()

    def publish(message: Message, d: Deps) -> Sequence[Envelope]:
        if isinstance(message, commands.COMMANDS):
            return commands.apply(message, d, batch)
        return handlers.publish(message, d, batch)

    def announce(message: Message, d: Deps) -> Sequence[Envelope]:
        if isinstance(message, commands.COMMANDS):
            return commands.announce(message, d, batch)
        return handlers.announce(message, d, batch)

    first = for_each_record(raw, CONSUMED, publish, deps, DISTRIBUTE)  # type: ignore[arg-type]
    failed = {f["itemIdentifier"] for f in first["batchItemFailures"]}
    published = batch.published
    remaining = [r for r in raw["Records"] if r["messageId"] not in failed and _batch_key(r) in published]
    if remaining:
        with tracing.span("distributor.invalidate", annotations={"records": len(remaining)}):
            batch.invalidate(deps)
    second = for_each_record({"Records": remaining}, CONSUMED, announce, deps, DISTRIBUTE)  # type: ignore[arg-type]
    _back_off_throttled(remaining, second, batch, deps)
    return {"batchItemFailures": [*first["batchItemFailures"], *second["batchItemFailures"]]}


def _batch_key(record: SqsRecord) -> str | None:
    """The record's batch key, or ``None`` for a record the first pass already disposed of."""
    try:
        return commands.batch_key(parse_record(record, expect=CONSUMED))
    except CirculionError:
        return None


def _back_off_throttled(
    records: list[SqsRecord], response: BatchResponse, batch: handlers.BatchInvalidation, deps: Deps
) -> None:
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    settings = deps.settings
    for record in records:
        recipe_id = _batch_key(record)
        if record["messageId"] not in failed or recipe_id is None or not batch.throttled(recipe_id):
            continue
        receives = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        seconds = retry_delay_seconds(receives, settings.retry_base_seconds, settings.retry_max_seconds)
        try:
            deps.retries.delay(record, seconds)
        except Exception:  # noqa: BLE001 - the queue's own visibility timeout still retries it
            _log.warning("could not set the retry backoff", exc_info=True, extra=log.fields(seconds=seconds))
            continue
        _log.info("throttled record backs off", extra=log.fields(recipe_id=recipe_id, seconds=seconds))
