"""The one SQS batch processor every consumer uses.

For each record: parse it with the shared contracts, run the handler inside a traced,
log-bound span, publish what the handler returns, and settle the record's fate:

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

One bad record never re-runs its batch. :func:`for_each_record` returns the partial batch
response; :meth:`BatchProcessor.process` returns each record's :class:`RecordOutcome`
(message, :class:`Fate`, error) and takes a :class:`FollowUp`: a hook over the whole batch's
outcome, then a second handler for the records it picks.

Stages, one module each: ``parse`` (record -> message), ``run`` (handler, span, publish),
``settle`` (retry, delay, dead-letter, fail the recipe); ``outcome`` holds the results.
"""

from circulion.batch.consumer import Consumer, Handler, HasPublisher, MessagePublisher
from circulion.batch.outcome import BatchOutcome, Fate, RecordOutcome
from circulion.batch.processor import BatchProcessor, FollowUp, for_each_record
from circulion.batch.records import receive_count, sqs_records

__all__ = [
    "BatchOutcome",
    "BatchProcessor",
    "Consumer",
    "Fate",
    "FollowUp",
    "Handler",
    "HasPublisher",
    "MessagePublisher",
    "RecordOutcome",
    "for_each_record",
    "receive_count",
    "sqs_records",
]
