"""Settling a record the handler did not finish: retry, hide, dead-letter or fail the recipe.

Each function logs what it decided and returns the record's :class:`RecordOutcome`. A
record is only ever deleted once its fate is recorded somewhere (``recipe.failed``, the
DLQ, or the owner of a contended resource); when that is impossible it stays in its queue.
"""

from __future__ import annotations

import logging

from circulion import log, metrics
from circulion.access_denied import Denial
from circulion.adapters.retries import RetryScheduler
from circulion.batch.consumer import Consumer, HasPublisher
from circulion.batch.outcome import Fate, RecordOutcome
from circulion.batch.records import receive_count
from circulion.contracts.envelope import Envelope
from circulion.contracts.events import RecipeFailed, RecipeFailedPayload
from circulion.errors import MalformedMessage, PermanentError, RetryLater, UnexpectedEventType
from circulion.lambda_types import SqsRecord

# The package's name, not this module's: the processor's lines keep one logger.
_log = logging.getLogger(__name__)


def unprocessable(
    record: SqsRecord, error: MalformedMessage | UnexpectedEventType, deps: HasPublisher, consumer: Consumer
) -> RecordOutcome:
    """A record that is not a message for this consumer: to the DLQ, never to the handler."""
    _log.error(
        "unprocessable record moved to the dead-letter queue",
        extra=log.fields(reason=error.code, error=error.message, message_id=record["messageId"]),
    )
    moved = _dead_letter(record, f"{error.code}: {error.message}", deps, consumer)
    return RecordOutcome(record, Fate.DEAD_LETTERED if moved else Fate.RETRIED, error=error)


def retry_later(
    record: SqsRecord,
    message: Envelope,
    later: RetryLater,
    deps: HasPublisher,
    consumer: Consumer,
    retries: RetryScheduler | None,
) -> RecordOutcome:
    """Hide the record for the delay asked; abandon it only when allowed and out of receives."""
    metrics.emit(consumer.service, "RetriedLater", 1, function=consumer.function)
    if later.abandon_when_exhausted and _is_final_attempt(record, deps):
        _log.info("contention outlasted the retries; left to its owner", extra=log.fields(reason=later.code))
        return RecordOutcome(record, Fate.ABANDONED, message, later)
    _log.info(
        "contention; record retried later",
        extra=log.fields(reason=later.code, error=later.message, delay_s=later.delay_seconds),
    )
    if retries is not None:
        try:
            retries.delay(record, later.delay_seconds)
        except Exception:  # noqa: BLE001 - the queue's own visibility timeout still retries it
            _log.warning("could not set the retry delay", exc_info=True)
    return RecordOutcome(record, Fate.DELAYED, message, later)


def permanent(
    record: SqsRecord, message: Envelope, error: PermanentError, deps: HasPublisher, consumer: Consumer
) -> RecordOutcome:
    """Input that can never succeed: fail the recipe with the error's code and delete the record."""
    _log.warning(
        "permanent failure; recipe failed",
        extra=log.fields(reason=error.code, error=error.message, type=message.type),
    )
    _fail_recipe(message, error.code, error.message, deps, consumer)
    return RecordOutcome(record, Fate.RECIPE_FAILED, message, error)


def failed(
    record: SqsRecord, message: Envelope, error: Exception, deps: HasPublisher, consumer: Consumer
) -> RecordOutcome:
    """Any other failure: retried, or on its last allowed receive dead-lettered and the recipe failed."""
    final = _is_final_attempt(record, deps)
    reason = f"{type(error).__name__}: {error}"
    _log.error(
        "record failed" + ("; final attempt, moving to the dead-letter queue" if final else "; will retry"),
        exc_info=error,
        extra=log.fields(type=message.type, receive_count=receive_count(record), error=reason),
    )
    if not final or not _dead_letter(record, reason, deps, consumer):
        return RecordOutcome(record, Fate.RETRIED, message, error)
    metrics.emit(consumer.service, "DeadLettered", 1, function=consumer.function)
    _fail_recipe(message, "retries_exhausted", reason, deps, consumer)
    return RecordOutcome(record, Fate.DEAD_LETTERED, message, error)


def refused(
    record: SqsRecord, message: Envelope, denial: Denial, deps: HasPublisher, consumer: Consumer
) -> RecordOutcome:
    """A missing permission: to the DLQ now, with what to grant, and the recipe failed.

    A redrive once the role is fixed finishes the job (:mod:`circulion.access_denied`).
    """
    _log.error(
        "access denied; moving to the dead-letter queue",
        extra=log.fields(type=message.type, error=denial.reason, operation=denial.operation),
    )
    if not _dead_letter(record, denial.reason, deps, consumer):
        return RecordOutcome(record, Fate.RETRIED, message)
    metrics.emit(consumer.service, "DeadLettered", 1, function=consumer.function)
    _fail_recipe(message, "access_denied", denial.reason, deps, consumer)
    return RecordOutcome(record, Fate.DEAD_LETTERED, message)


def _is_final_attempt(record: SqsRecord, deps: HasPublisher) -> bool:
    if deps.dead_letters is None:
        return False
    try:
        policy = deps.dead_letters.policy(record["eventSourceARN"])
    except Exception:  # noqa: BLE001 - no policy known: let SQS's own redrive decide
        _log.warning("could not read the redrive policy", exc_info=True)
        return False
    return policy is not None and receive_count(record) >= policy.max_receive_count


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
    event: RecipeFailed = message.follow(
        RecipeFailed,
        RecipeFailedPayload(stage=consumer.stage, reason=reason, message=text[:2000]),
    )
    try:
        deps.publisher.publish([event])
    except Exception:  # noqa: BLE001 - the DLQ keeps the message; the status can lag
        _log.error("could not publish recipe.failed", exc_info=True)
