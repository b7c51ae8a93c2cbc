"""What an invocation's result means for each record of its batch.

Lambda's rules with ``ReportBatchItemFailures`` (which the production packaging enables):

* a ``null`` response, an object without ``batchItemFailures``, or an empty/``null`` list:
  every record succeeded;
* a list of ``{"itemIdentifier": <messageId>}``: those records failed, the rest succeeded;
* an error, a response that is not an object, a ``batchItemFailures`` that is not a list,
  an entry without a string ``itemIdentifier`` or with an id not in the batch: the whole
  batch failed.

Succeeded records are deleted; failed ones become visible again after the queue's
visibility timeout (and reach the DLQ after ``maxReceiveCount``).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Outcome(enum.StrEnum):
    """How one invocation ended, as the runtime logs it."""

    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CRASHED = "crashed"


@dataclass(frozen=True)
class BatchVerdict:
    """Which records to delete, and why the rest stay."""

    outcome: Outcome
    succeeded: tuple[str, ...]
    failed: tuple[str, ...]
    reason: str | None = None


def _whole_batch_failed(message_ids: Sequence[str], outcome: Outcome, reason: str) -> BatchVerdict:
    return BatchVerdict(outcome, (), tuple(message_ids), reason)


def _reported_failures(message_ids: Sequence[str], failures: object) -> set[str] | str:
    """The message ids a ``batchItemFailures`` list names, or why the list is malformed."""
    if not isinstance(failures, list):
        return "malformed response: batchItemFailures is not a list"
    known = set(message_ids)
    failed: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or not identifier:
            return "malformed response: missing itemIdentifier"
        if identifier not in known:
            return f"malformed response: unknown itemIdentifier {identifier!r}"
        failed.add(identifier)
    return failed


def interpret(message_ids: Sequence[str], response: object) -> BatchVerdict:
    """Apply Lambda's partial-batch-response rules to a handler's (JSON-decoded) response."""
    if response is not None and not isinstance(response, dict):
        return _whole_batch_failed(message_ids, Outcome.FAILED, f"malformed response: {type(response).__name__}")
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    failed = _reported_failures(message_ids, failures) if failures is not None else set()
    if isinstance(failed, str):
        return _whole_batch_failed(message_ids, Outcome.FAILED, failed)
    if not failed:
        return BatchVerdict(Outcome.OK, tuple(message_ids), ())
    succeeded = tuple(m for m in message_ids if m not in failed)
    kept = tuple(m for m in message_ids if m in failed)
    return BatchVerdict(Outcome.PARTIAL if succeeded else Outcome.FAILED, succeeded, kept, "batchItemFailures")


def invocation_failed(message_ids: Sequence[str], outcome: Outcome, reason: str) -> BatchVerdict:
    """The verdict for an error, a timeout or a crash: nothing is deleted."""
    return _whole_batch_failed(message_ids, outcome, reason)


_FAILURE_OUTCOMES = {"error": Outcome.FAILED, "timeout": Outcome.TIMEOUT, "crashed": Outcome.CRASHED}


def verdict(message_ids: Sequence[str], status: str, response: object = None, error: str | None = None) -> BatchVerdict:
    """The verdict for an invocation that ``returned`` a response, or ended in ``error``,
    ``timeout`` or ``crashed`` (nothing deleted)."""
    if status == "returned":
        return interpret(message_ids, response)
    return invocation_failed(message_ids, _FAILURE_OUTCOMES.get(status, Outcome.FAILED), error or status)
