"""One error hierarchy for the whole project.

Every failure is either permanent (the input is wrong: reject with a reason, never retry)
or transient (the world is flaky: report the record in ``batchItemFailures`` and let SQS
redeliver it). Edges map them: the API to an HTTP status and a ``reason`` code, the CLI to
a message and a non-zero exit, the batch processor to a rejection or a retry.
"""

from __future__ import annotations


class CirculionError(Exception):
    """Base of every error this project raises on purpose."""

    code: str = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, details: object = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class PermanentError(CirculionError):
    """The input can never succeed; retrying is pointless."""

    code = "permanent_error"


class TransientError(CirculionError):
    """A dependency failed in a way that may pass; the message should be retried."""

    code = "transient_error"


class RetryLater(TransientError):
    """Not a fault: the record should be seen again in ``delay_seconds`` (someone else holds
    the work, a dependency asks to wait). The batch processor logs it as such, hides the
    record for that long, and, when ``abandon_when_exhausted``, deletes it quietly on its last
    allowed receive instead of dead-lettering it (what it carried is already recorded and
    another worker finishes the job)."""

    code = "retry_later"

    def __init__(
        self,
        message: str,
        *,
        delay_seconds: int,
        abandon_when_exhausted: bool = False,
        code: str | None = None,
        details: object = None,
    ) -> None:
        super().__init__(message, code=code, details=details)
        self.delay_seconds = delay_seconds
        self.abandon_when_exhausted = abandon_when_exhausted


class MalformedMessage(PermanentError):
    """A queue record is not a message of any known contract."""

    code = "malformed_message"


class UnexpectedEventType(PermanentError):
    """A well-formed message arrived on a queue whose consumer does not handle its type."""

    code = "unexpected_event_type"


class ConfigurationError(CirculionError):
    """The process was started with missing or invalid configuration."""

    code = "configuration_error"
