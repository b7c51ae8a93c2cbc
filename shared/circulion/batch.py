"""The one SQS batch processor every consumer uses.

For each record: parse it with the shared contracts, run the handler inside a traced,
log-bound span, publish what the handler returns, and decide the record's fate:

* success: the record is deleted (left out of ``batchItemFailures``);
* :class:`~circulion.errors.PermanentError` from the handler: the recipe is failed with
  the error's code (``recipe.failed``) and the record is deleted — retrying cannot help;
* a record that is not a message at all: moved to the DLQ with the reason;
* an AccessDenied (the role lacks a permission, :mod:`circulion.access_denied`): moved to
  the DLQ at once with the action and resource, and the recipe failed — retrying cannot help,
  a redrive after the role is fixed finishes the job;
* anything else: reported in ``batchItemFailures`` so SQS redelivers it after the
  visibility timeout; on its last allowed receive it is moved to the DLQ with the reason
  and the recipe is failed, so the customer sees ``FAILED`` rather than a silent stall;
* :class:`~circulion.errors.RetryLater` (contention, not a fault): logged as such, no
  X-Ray fault, the record hidden for the delay the handler asked (``ChangeMessageVisibility``
  through ``retries``) and reported in ``batchItemFailures``.

One bad record never re-runs its batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from circulion import log, metrics, tracing
from circulion.access_denied import Denial, access_denied
from circulion.adapters.dead_letters import DeadLetters
from circulion.adapters.retries import RetryScheduler
from circulion.contracts.envelope import Envelope
from circulion.contracts.events import RecipeFailed, RecipeFailedPayload, Stage
from circulion.errors import MalformedMessage, PermanentError, RetryLater, UnexpectedEventType
from circulion.lambda_types import BatchItemFailure, BatchResponse, SqsEvent, SqsRecord
from circulion.messages import parse_record

M = TypeVar("M", bound=Envelope)
D = TypeVar("D", bound="HasPublisher")

_log = logging.getLogger("circulion.batch")


class MessagePublisher(Protocol):
    def publish(self, messages: Sequence[Envelope]) -> None: ...


class HasPublisher(Protocol):
    """What a handler's dependencies must offer the batch processor."""

    @property
    def publisher(self) -> MessagePublisher: ...

    @property
    def dead_letters(self) -> DeadLetters | None: ...


@dataclass(frozen=True)
class Consumer:
    """Who is consuming: names for logs, traces and ``recipe.failed``."""

    service: str
    function: str
    stage: Stage


Handler = Callable[[M, D], Sequence[Envelope]]


def for_each_record(
    event: SqsEvent | Any,
    expect: type[M] | tuple[type[M], ...],
    handler: Callable[[M, D], Sequence[Envelope]],
    deps: D,
    consumer: Consumer,
    *,
    parse: Callable[[SqsRecord], Envelope] | None = None,
    retries: RetryScheduler | None = None,
) -> BatchResponse:
    """Process an SQS event record by record and return the partial batch response.

    Parameters
    ----------
    event
        The Lambda SQS event (a dict, or Chalice's ``SQSEvent``).
    expect
        The message classes this consumer handles.
    handler
        ``handler(message, deps) -> messages to publish``.
    deps
        The service's dependencies; must offer ``publisher`` and ``dead_letters``.
    consumer
        Service, function and pipeline stage, for logs, traces and failures.
    parse
        Turns a record into a message for queues that carry something other than the
        bus's envelopes (S3 notifications); it raises ``MalformedMessage`` for junk.
        Defaults to the shared contracts.
    retries
        Hides a record that raised :class:`~circulion.errors.RetryLater` for the delay it
        asked; without one, the queue's visibility timeout brings it back.

    Examples
    --------
    >>> @app.on_sqs_message(queue=RESOURCES.splitter_queue, batch_size=10)
    ... def split(event):
    ...     return for_each_record(event, RecipeValidated, handlers.split, deps(), SPLIT)
    """
    raw: SqsEvent = event.to_dict() if hasattr(event, "to_dict") else event  # type: ignore[union-attr]
    failures: list[BatchItemFailure] = []
    for record in raw["Records"]:
        if not _process(record, expect, handler, deps, consumer, parse, retries):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def _process(
    record: SqsRecord,
    expect: type[M] | tuple[type[M], ...],
    handler: Callable[[M, D], Sequence[Envelope]],
    deps: D,
    consumer: Consumer,
    parse: Callable[[SqsRecord], Envelope] | None,
    retries: RetryScheduler | None = None,
) -> bool:
    """Handle one record; ``True`` when it may be deleted."""
    started = time.monotonic()
    try:
        message = parse(record) if parse is not None else parse_record(record, expect=expect)
    except (MalformedMessage, UnexpectedEventType) as exc:
        _log.error(
            "unprocessable record moved to the dead-letter queue",
            extra=log.fields(reason=exc.code, error=exc.message, message_id=record["messageId"]),
        )
        return _dead_letter(record, f"{exc.code}: {exc.message}", deps, consumer)

    annotations: dict[str, str | int | None] = {
        "recipe_id": message.recipe_id,
        "tenant_id": message.tenant_id,
        "chunk_index": _chunk_index(message),
    }
    name = f"{consumer.service}.{consumer.function}"
    with log.bound(function=consumer.function, recipe_id=message.recipe_id, tenant_id=message.tenant_id):
        try:
            with tracing.span(name, trace_header=message.trace_header, annotations=annotations):
                try:
                    outgoing = handler(message, deps)  # type: ignore[arg-type]
                except RetryLater as exc:  # caught inside the span: contention is not a fault
                    return _retry_later(record, exc, deps, consumer, retries)
                deps.publisher.publish(outgoing)
        except PermanentError as exc:
            _log.warning(
                "permanent failure; recipe failed",
                extra=log.fields(reason=exc.code, error=exc.message, type=message.type),
            )
            _fail_recipe(message, exc.code, exc.message, deps, consumer)
            return True
        except Exception as exc:  # noqa: BLE001 - any other failure is retried, then dead-lettered
            denial = access_denied(exc)
            if denial is not None:
                return _refused(record, message, denial, deps, consumer)
            return _failed(record, message, exc, deps, consumer)
        metrics.emit(
            consumer.service,
            "RecordDuration",
            round((time.monotonic() - started) * 1000, 3),
            "Milliseconds",
            function=consumer.function,
        )
        return True


def _failed(record: SqsRecord, message: Envelope, exc: Exception, deps: HasPublisher, consumer: Consumer) -> bool:
    """Any other failure: retried; on the last attempt, to the DLQ with the reason and the recipe failed."""
    receive_count = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    final = _is_final_attempt(record, receive_count, deps)
    _log.error(
        "record failed" + ("; final attempt, moving to the dead-letter queue" if final else "; will retry"),
        exc_info=exc,
        extra=log.fields(type=message.type, receive_count=receive_count, error=f"{type(exc).__name__}: {exc}"),
    )
    if not final:
        return False
    reason = f"{type(exc).__name__}: {exc}"
    moved = _dead_letter(record, reason, deps, consumer)
    if moved:
        metrics.emit(consumer.service, "DeadLettered", 1, function=consumer.function)
        _fail_recipe(message, "retries_exhausted", reason, deps, consumer)
    return moved


def _refused(record: SqsRecord, message: Envelope, denial: Denial, deps: HasPublisher, consumer: Consumer) -> bool:
    """A missing permission: to the DLQ now, with what to grant, and the recipe failed."""
    _log.error(
        "access denied; moving to the dead-letter queue",
        extra=log.fields(type=message.type, error=denial.reason, operation=denial.operation),
    )
    moved = _dead_letter(record, denial.reason, deps, consumer)
    if moved:
        metrics.emit(consumer.service, "DeadLettered", 1, function=consumer.function)
        _fail_recipe(message, "access_denied", denial.reason, deps, consumer)
    return moved


def _retry_later(
    record: SqsRecord, later: RetryLater, deps: HasPublisher, consumer: Consumer, retries: RetryScheduler | None
) -> bool:
    """Hide the record for the delay asked; ``True`` (delete) only when it may be abandoned."""
    receive_count = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    metrics.emit(consumer.service, "RetriedLater", 1, function=consumer.function)
    if later.abandon_when_exhausted and _is_final_attempt(record, receive_count, deps):
        _log.info("contention outlasted the retries; left to its owner", extra=log.fields(reason=later.code))
        return True
    _log.info(
        "contention; record retried later",
        extra=log.fields(reason=later.code, error=later.message, delay_s=later.delay_seconds),
    )
    if retries is not None:
        try:
            retries.delay(record, later.delay_seconds)
        except Exception:  # noqa: BLE001 - the queue's own visibility timeout still retries it
            _log.warning("could not set the retry delay", exc_info=True)
    return False


def _chunk_index(message: Envelope) -> int | None:
    chunk = getattr(message.payload, "chunk", None)
    index = getattr(chunk, "index", None)
    return index if isinstance(index, int) else None


def _is_final_attempt(record: SqsRecord, receive_count: int, deps: HasPublisher) -> bool:
    if deps.dead_letters is None:
        return False
    try:
        policy = deps.dead_letters.policy(record["eventSourceARN"])
    except Exception:  # noqa: BLE001 - no policy known: let SQS's own redrive decide
        _log.warning("could not read the redrive policy", exc_info=True)
        return False
    return policy is not None and receive_count >= policy.max_receive_count


def _dead_letter(record: SqsRecord, reason: str, deps: HasPublisher, consumer: Consumer) -> bool:
    """Move a record to its DLQ; ``False`` (retry instead) when that is impossible."""
    if deps.dead_letters is None:
        return False
    try:
        deps.dead_letters.send(record, reason, consumer.function)
    except Exception:  # noqa: BLE001 - keep the record in its queue rather than lose it
        _log.error("could not move the record to its dead-letter queue", exc_info=True)
        return False
    return True


def _fail_recipe(message: Envelope, reason: str, text: str, deps: HasPublisher, consumer: Consumer) -> None:
    failed: RecipeFailed = message.follow(
        RecipeFailed,
        RecipeFailedPayload(stage=consumer.stage, reason=reason, message=text[:2000]),
    )
    try:
        deps.publisher.publish([failed])
    except Exception:  # noqa: BLE001 - the DLQ keeps the message; the status can lag
        _log.error("could not publish recipe.failed", exc_info=True)
