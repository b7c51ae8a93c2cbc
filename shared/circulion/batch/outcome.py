"""What became of each record of a batch, and the partial batch response it makes."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from circulion.contracts.envelope import Envelope
from circulion.lambda_types import BatchResponse, SqsRecord


class Fate(enum.Enum):
    """How a record was settled; all but ``RETRIED`` and ``DELAYED`` delete it."""

    SUCCEEDED = "succeeded"
    """The handler ran and what it returned was published."""
    RECIPE_FAILED = "recipe_failed"
    """A :class:`~circulion.errors.PermanentError`: ``recipe.failed`` published, retrying cannot help."""
    DEAD_LETTERED = "dead_lettered"
    """Moved to the DLQ with the reason: not a message, or its last allowed receive failed."""
    ABANDONED = "abandoned"
    """Contention outlasted the retries and the handler allowed giving up: left to its owner."""
    RETRIED = "retried"
    """Reported in ``batchItemFailures``: SQS redelivers it after the visibility timeout."""
    DELAYED = "delayed"
    """A :class:`~circulion.errors.RetryLater`: reported, and hidden for the delay it asked."""

    @property
    def deleted(self) -> bool:
        """``True`` when the record leaves its queue (is not reported in ``batchItemFailures``)."""
        return self not in (Fate.RETRIED, Fate.DELAYED)


@dataclass(frozen=True)
class RecordOutcome:
    """One record's fate.

    Attributes
    ----------
    record
        The record as received.
    fate
        How it was settled.
    message
        The parsed message; ``None`` when the record was not a message at all.
    error
        What the parser or the handler raised; ``None`` on success.
    """

    record: SqsRecord
    fate: Fate
    message: Envelope | None = None
    error: Exception | None = None

    @property
    def deleted(self) -> bool:
        return self.fate.deleted


@dataclass(frozen=True)
class BatchOutcome:
    """Every record's final fate, as Powertools' processor keeps its success and fail messages.

    Attributes
    ----------
    records
        Each record's last outcome, in the order they were settled: the records a
        follow-up handler took on come last, with the follow-up's outcome.
    followed
        The outcomes of the follow-up handler alone (also in ``records``); empty without one.
    """

    records: tuple[RecordOutcome, ...]
    followed: tuple[RecordOutcome, ...] = ()

    @property
    def succeeded(self) -> tuple[RecordOutcome, ...]:
        """The records whose handler ran and whose messages were published."""
        return tuple(o for o in self.records if o.fate is Fate.SUCCEEDED)

    @property
    def failed(self) -> tuple[RecordOutcome, ...]:
        """The records that were not messages or whose handler raised, whatever their fate."""
        return tuple(o for o in self.records if o.fate is not Fate.SUCCEEDED)

    @property
    def success_messages(self) -> tuple[Envelope, ...]:
        """The parsed messages of :attr:`succeeded`."""
        return tuple(o.message for o in self.succeeded if o.message is not None)

    def response(self) -> BatchResponse:
        """The partial batch response: the records SQS must deliver again."""
        return {"batchItemFailures": [{"itemIdentifier": o.record["messageId"]} for o in self.records if not o.deleted]}
