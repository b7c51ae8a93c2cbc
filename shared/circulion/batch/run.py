"""The run stage: one parsed record through its handler, traced and log-bound, then settled."""

from __future__ import annotations

import time

from circulion import log, metrics, tracing
from circulion.access_denied import access_denied
from circulion.adapters.retries import RetryScheduler
from circulion.batch import settle
from circulion.batch.consumer import Consumer, Handler, HasPublisher
from circulion.batch.outcome import Fate, RecordOutcome
from circulion.contracts.envelope import Envelope
from circulion.errors import PermanentError, RetryLater
from circulion.lambda_types import SqsRecord


def run(
    record: SqsRecord,
    message: Envelope,
    handler: Handler[Envelope, HasPublisher],
    deps: HasPublisher,
    consumer: Consumer,
    retries: RetryScheduler | None,
    started: float | None = None,
) -> RecordOutcome:
    """Run ``handler`` on the message, publish what it returns, and settle the record.

    The span covers the handler and the publishing, so X-Ray times and flags exactly the
    consumer's work; dead-lettering and ``recipe.failed`` happen after it, still log-bound.
    ``RecordDuration`` counts from ``started`` (``time.monotonic()`` before parsing), else
    from now.
    """
    started = time.monotonic() if started is None else started
    name = f"{consumer.service}.{consumer.function}"
    with log.bound(function=consumer.function, recipe_id=message.recipe_id, tenant_id=message.tenant_id):
        try:
            with tracing.span(name, trace_header=message.trace_header, annotations=_annotations(message)):
                try:
                    outgoing = handler(message, deps)
                except RetryLater as exc:  # caught inside the span: contention is not a fault
                    return settle.retry_later(record, message, exc, deps, consumer, retries)
                deps.publisher.publish(outgoing)
        except PermanentError as exc:
            return settle.permanent(record, message, exc, deps, consumer)
        except Exception as exc:  # noqa: BLE001 - any other failure is retried, then dead-lettered
            denial = access_denied(exc)
            if denial is not None:  # a missing permission: retrying cannot help
                return settle.refused(record, message, denial, deps, consumer)
            return settle.failed(record, message, exc, deps, consumer)
        elapsed_ms = round((time.monotonic() - started) * 1000, 3)
        metrics.emit(consumer.service, "RecordDuration", elapsed_ms, "Milliseconds", function=consumer.function)
        return RecordOutcome(record, Fate.SUCCEEDED, message)


def _annotations(message: Envelope) -> dict[str, str | int | None]:
    return {"recipe_id": message.recipe_id, "tenant_id": message.tenant_id, "chunk_index": _chunk_index(message)}


def _chunk_index(message: Envelope) -> int | None:
    chunk = getattr(message.payload, "chunk", None)
    index = getattr(chunk, "index", None)
    return index if isinstance(index, int) else None
