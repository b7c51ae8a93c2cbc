"""``circulion``: the customer and SRE command line, and the typed client under it."""

from circulion_cli.client import CirculionClient
from circulion_cli.errors import (
    ApiError,
    ChecksumMismatch,
    ClientError,
    Conflict,
    ConnectionFailed,
    InvalidRequest,
    NotFound,
    PartUploadFailed,
    ProcessingFailed,
    ServerError,
    Unauthorized,
    UploadRejected,
    WaitTimedOut,
)
from circulion_cli.models import DownloadLink, Recipe, RecipePage
from circulion_cli.progress_events import UploadProgress
from circulion_cli.resume import ResumeStore
from circulion_cli.retry import RetryPolicy
from circulion_cli.upload import UploadOutcome

__all__ = [
    "ApiError",
    "ChecksumMismatch",
    "CirculionClient",
    "ClientError",
    "Conflict",
    "ConnectionFailed",
    "DownloadLink",
    "InvalidRequest",
    "NotFound",
    "PartUploadFailed",
    "ProcessingFailed",
    "Recipe",
    "RecipePage",
    "ResumeStore",
    "RetryPolicy",
    "ServerError",
    "Unauthorized",
    "UploadOutcome",
    "UploadProgress",
    "UploadRejected",
    "WaitTimedOut",
]
