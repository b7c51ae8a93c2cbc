"""The upload service's failure modes. The API maps each to an HTTP status at its edge."""

from __future__ import annotations

from circulion.errors import CirculionError, PermanentError


class ApiError(PermanentError):
    """A request the API refuses; ``status`` is the HTTP status it maps to."""

    status = 400
    code = "bad_request"


class InvalidRequest(ApiError):
    """The body, query or path does not satisfy the API's rules."""

    status = 400
    code = "invalid_request"


class Unauthorized(ApiError):
    """No token, or one that is expired, forged or not for this API."""

    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    """The token's roles do not allow this route (``details`` names the role it lacks)."""

    status = 403
    code = "forbidden"


class NotFound(ApiError):
    """No such recipe for this tenant (another tenant's recipe looks the same)."""

    status = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    """The route exists but not with this method."""

    status = 405
    code = "method_not_allowed"


class Conflict(ApiError):
    """The recipe is not in a state that allows this."""

    status = 409
    code = "conflict"


class VersionTaken(Conflict):
    """Versions are immutable: this name already has this version."""

    code = "version_taken"


class Gone(ApiError):
    """The recipe was withdrawn: it is never served again until restored."""

    status = 410
    code = "withdrawn"


class VersionsExhausted(Conflict):
    """The automatic next version would be past the highest version the API accepts."""

    code = "versions_exhausted"


class PayloadTooLarge(ApiError):
    """The declared size is above the configured cap."""

    status = 413
    code = "too_large"


class UnsupportedMediaType(ApiError):
    """The request body is not JSON."""

    status = 415
    code = "unsupported_media_type"


class StoreConflict(CirculionError):
    """A conditional write lost a race; re-read and try again."""

    code = "store_conflict"


class Unavailable(ApiError):
    """A dependency (token keys, the table, S3) could not be reached; try again later."""

    status = 503
    code = "unavailable"
