"""What can go wrong talking to CIRCU-LI-ION, one class per failure mode.

Every class derives from :class:`circulion.errors.CirculionError` and carries a ``code``:
for API errors it is the ``error.code`` of the response body, so a script can branch on
it; the CLI prints ``message`` on one line and exits 1 (no traceback for any of these).
"""

from __future__ import annotations

from circulion.errors import CirculionError


class ClientError(CirculionError):
    """Base of every error the client raises on purpose."""

    code = "client_error"
    hint: str | None = None
    """What to do next, when the code that raised knows better than :mod:`circulion_cli.hints`."""


class UsageError(ClientError):
    """The command line asks for something that cannot be done as asked (exit 2)."""

    code = "usage_error"


class ApiError(ClientError):
    """The API answered with an error body ``{error: {code, message, details}}``."""

    code = "api_error"

    def __init__(self, message: str, *, status: int, code: str | None = None, details: object = None) -> None:
        super().__init__(message, code=code, details=details)
        self.status = status


class InvalidRequest(ApiError):
    """The API refused the request as malformed or not allowed (400, 405, 413, 422)."""


class Unauthorized(ApiError):
    """The token is missing, expired or forged (401/403)."""


class Forbidden(Unauthorized):
    """A good token whose role may not do this (403 ``forbidden``)."""


class NotFound(ApiError):
    """No such recipe for this tenant (404)."""


class Conflict(ApiError):
    """The recipe is not in a state that allows the request, e.g. not distributed yet (409)."""


class ServerError(ApiError):
    """The API failed on its side (5xx) after the client's retries."""


class ConnectionFailed(ClientError):
    """The server could not be reached, or the connection broke."""

    code = "connection_failed"


class UnexpectedResponse(ClientError):
    """The server answered with something that is not the documented contract."""

    code = "unexpected_response"


class PartUploadFailed(ClientError):
    """A part could not be stored after every retry; the upload can be resumed later."""

    code = "part_upload_failed"


class ChecksumMismatch(ClientError):
    """Downloaded bytes do not hash to the SHA-256 the API promised."""

    code = "checksum_mismatch"


class UploadRejected(ClientError):
    """The service rejected the upload (terminal ``REJECTED``); ``details`` holds the reasons."""

    code = "rejected"


class ProcessingFailed(ClientError):
    """Processing failed on the service's side (terminal ``FAILED``)."""

    code = "failed"


class WaitTimedOut(ClientError):
    """The recipe did not reach a terminal status within the time allowed."""

    code = "wait_timed_out"


def api_error(status: int, code: str | None, message: str, details: object = None) -> ApiError:
    """The :class:`ApiError` subclass for an HTTP status."""
    cls: type[ApiError]
    if status == 403 and code == "forbidden":
        cls = Forbidden
    elif status in (401, 403):
        cls = Unauthorized
    elif status == 404:
        cls = NotFound
    elif status == 409:
        cls = Conflict
    elif status >= 500:
        cls = ServerError
    else:
        cls = InvalidRequest
    return cls(message, status=status, code=code, details=details)


class AwsAccessFailed(ClientError):
    """AWS (SQS, X-Ray) could not be reached or refused the call."""

    code = "aws_access_failed"


class TraceUnavailable(ClientError):
    """The trace of a recipe cannot be shown (X-Ray unreachable or no segments yet)."""

    code = "trace_unavailable"


class QueueUnreadable(AwsAccessFailed):
    """A pipeline queue ``circulion ops`` must show is missing or refused to the caller."""

    code = "queue_unreadable"

    def __init__(self, message: str, *, hint: str, details: object = None) -> None:
        super().__init__(message, details=details)
        self.hint = hint
