"""One ``distribute`` invocation: publish every pointer, invalidate once, then announce.

One pass of the shared batch processor, so parsing, tracing, logging, partial batch
failures, dead-lettering and ``recipe.failed`` behave as in every other consumer. Each
record is parsed once and published; the processor's follow-up hook then turns the
batch's pointer paths into one invalidation (or a few, if CloudFront's per-request bounds
demand), and the records it kept are announced. Records whose invalidation was throttled
are failed and their messages hidden for an exponentially growing time, so the queue is
the backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from chalicelib import commands, handlers
from chalicelib.deps import Deps
from chalicelib.invalidation import retry_delay_seconds
from circulion import log, tracing
from circulion.batch import BatchOutcome, BatchProcessor, Consumer, FollowUp, RecordOutcome, receive_count
from circulion.contracts.envelope import Envelope
from circulion.contracts.events import RecipeMerged
from circulion.lambda_types import BatchResponse, SqsEvent

Message = RecipeMerged | commands.Command
CONSUMED = (RecipeMerged, *commands.COMMANDS)
"""What the distributor's queue carries: merged recipes and withdraw/restore commands."""

DISTRIBUTE = Consumer(service="distributor", function="distribute", stage="distribution")

_log = logging.getLogger(__name__)


def distribute(event: SqsEvent | Any, deps: Deps) -> BatchResponse:
    """Handle a batch of ``recipe.merged`` and withdraw/restore records; return the partial batch response."""
    batch = handlers.BatchInvalidation()

    def publish(message: Message, d: Deps) -> Sequence[Envelope]:
        if isinstance(message, commands.COMMANDS):
            return commands.apply(message, d, batch)
        return handlers.publish(message, d, batch)

    def invalidate(published: BatchOutcome) -> list[RecordOutcome]:
        """Invalidate the batch's paths once; keep the records to announce."""
        keys = batch.published
        # Every record not left for retry whose key was published (the bookkeeping is per key,
        # so a deleted duplicate of a published recipe is announced with it, as in two passes).
        remaining = [o for o in published.records if o.deleted and _batch_key(o) in keys]
        if remaining:
            with tracing.span("distributor.invalidate", annotations={"records": len(remaining)}):
                batch.invalidate(deps)
        return remaining

    def announce(message: Message, d: Deps) -> Sequence[Envelope]:
        if isinstance(message, commands.COMMANDS):
            return commands.announce(message, d, batch)
        return handlers.announce(message, d, batch)

    processor: BatchProcessor[Message, Deps] = BatchProcessor(CONSUMED, deps, DISTRIBUTE)  # type: ignore[arg-type]
    outcome = processor.process(event, publish, then=FollowUp(invalidate, announce))
    _back_off_throttled(outcome.followed, batch, deps)
    return outcome.response()


def _batch_key(outcome: RecordOutcome) -> str | None:
    """The record's batch key, or ``None`` for a record that was not a message."""
    return commands.batch_key(outcome.message) if outcome.message is not None else None


def _back_off_throttled(announced: Sequence[RecordOutcome], batch: handlers.BatchInvalidation, deps: Deps) -> None:
    settings = deps.settings
    for outcome in announced:
        recipe_id = _batch_key(outcome)
        if outcome.deleted or recipe_id is None or not batch.throttled(recipe_id):
            continue
        record = outcome.record
        seconds = retry_delay_seconds(receive_count(record), settings.retry_base_seconds, settings.retry_max_seconds)
        try:
            deps.retries.delay(record, seconds)
        except Exception:  # noqa: BLE001 - the queue's own visibility timeout still retries it
            _log.warning("could not set the retry backoff", exc_info=True, extra=log.fields(seconds=seconds))
            continue
        _log.info("throttled record backs off", extra=log.fields(recipe_id=recipe_id, seconds=seconds))
