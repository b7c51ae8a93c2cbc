"""The processor: parse every record once, run the handler, settle each record's fate."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from circulion.adapters.retries import RetryScheduler
from circulion.batch.consumer import Consumer, D, Handler, M
from circulion.batch.outcome import BatchOutcome, RecordOutcome
from circulion.batch.parse import RecordParser, parser_for, read_message
from circulion.batch.records import sqs_records
from circulion.batch.run import run
from circulion.contracts.envelope import Envelope
from circulion.lambda_types import BatchResponse, SqsEvent, SqsRecord


@dataclass(frozen=True)
class FollowUp(Generic[M, D]):
    """A second handler for some records, once the first has run over the whole batch.

    Attributes
    ----------
    after
        The hook: called once with the first handler's outcome; does the batch-wide work
        (one invalidation for every published pointer) and returns the outcomes of the
        records to carry on with. Each must have a parsed message.
    handler
        ``handler(message, deps) -> messages to publish`` for those records, run and
        settled exactly like the first.
    """

    after: Callable[[BatchOutcome], Sequence[RecordOutcome]]
    handler: Callable[[M, D], Sequence[Envelope]]


class BatchProcessor(Generic[M, D]):
    """One consumer's processor: who consumes, what it expects, and what it settles with.

    Parameters
    ----------
    expect, deps, consumer, parse, retries
        As for :func:`for_each_record`.

    Examples
    --------
    >>> processor = BatchProcessor(CONSUMED, deps, DISTRIBUTE)
    >>> outcome = processor.process(event, publish, then=FollowUp(invalidate, announce))
    >>> return outcome.response()
    """

    def __init__(
        self,
        expect: type[M] | tuple[type[M], ...],
        deps: D,
        consumer: Consumer,
        *,
        parse: RecordParser | None = None,
        retries: RetryScheduler | None = None,
    ) -> None:
        self._parser = parser_for(expect, parse)
        self._deps = deps
        self._consumer = consumer
        self._retries = retries

    def process(
        self, event: SqsEvent | Any, handler: Handler[M, D], *, then: FollowUp[M, D] | None = None
    ) -> BatchOutcome:
        """Process an SQS event record by record and return every record's outcome.

        Parameters
        ----------
        event, handler
            As for :func:`for_each_record`.
        then
            A follow-up: after ``handler`` has run over every record, its hook picks the
            records a second handler runs on (their messages are not parsed again).

        Returns
        -------
        BatchOutcome
            Each record's last fate; :meth:`BatchOutcome.response` is the partial batch response.
        """
        settled = [self._handle(record, handler) for record in sqs_records(event)]
        first = BatchOutcome(tuple(settled))
        if then is None:
            return first
        chosen = then.after(first)
        followed = tuple(self._follow(outcome, then.handler) for outcome in chosen)
        taken = {id(outcome) for outcome in chosen}
        kept = tuple(outcome for outcome in settled if id(outcome) not in taken)
        return BatchOutcome(kept + followed, followed)

    def _handle(self, record: SqsRecord, handler: Handler[M, D]) -> RecordOutcome:
        started = time.monotonic()
        message = read_message(record, self._parser, self._deps, self._consumer)
        if isinstance(message, RecordOutcome):
            return message
        return run(record, message, handler, self._deps, self._consumer, self._retries, started)  # type: ignore[arg-type]

    def _follow(self, outcome: RecordOutcome, handler: Handler[M, D]) -> RecordOutcome:
        if outcome.message is None:
            raise ValueError(f"record {outcome.record['messageId']} has no message to follow up")
        return run(outcome.record, outcome.message, handler, self._deps, self._consumer, self._retries)  # type: ignore[arg-type]


def for_each_record(
    event: SqsEvent | Any,
    expect: type[M] | tuple[type[M], ...],
    handler: Callable[[M, D], Sequence[Envelope]],
    deps: D,
    consumer: Consumer,
    *,
    parse: RecordParser | None = None,
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
    processor = BatchProcessor(expect, deps, consumer, parse=parse, retries=retries)
    return processor.process(event, handler).response()
