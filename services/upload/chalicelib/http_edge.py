"""The HTTP edge: the response and error shapes, and the middleware that enforces them.

Every 4xx/5xx leaves as ``{"error": {"code", "message", "details"}}``: our own errors,
and Chalice's (wrong method, unsupported media type, its 500 for an escaped exception),
which the middleware rewrites so no Chalice default body or stack trace gets out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from chalice import Response  # type: ignore[attr-defined]
from chalice.app import Request
from pydantic import BaseModel

from chalicelib.errors import ApiError, Unavailable
from circulion import log, tracing
from circulion.errors import TransientError

_log = logging.getLogger(__name__)


TRACE_HEADER = "x-amzn-trace-id"

GetResponse = Callable[[Request], Response]
"""The rest of Chalice's chain, as an http middleware receives it."""

_CHALICE_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    500: "internal_error",
    502: "internal_error",
    503: "unavailable",
}


def error_response(status: int, code: str, message: str, details: object = None) -> Response:
    body = {"error": {"code": code, "message": message, "details": details}}
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    if status in (429, 503):
        headers["Retry-After"] = "1"  # all our 503s are brief: a dependency or a version race
    return Response(body=body, status_code=status, headers=headers)


def json_response(model: BaseModel, status: int = 200) -> Response:
    return Response(body=model.model_dump_json(), status_code=status, headers={"Content-Type": "application/json"})


def _is_ours(response: Response) -> bool:
    body = response.body
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError:
            return False
    return isinstance(body, dict) and isinstance(body.get("error"), dict) and "code" in body["error"]


def _reshape(response: Response) -> Response:
    """Rewrite a Chalice-made error into our shape, keeping its status (and Allow header)."""
    body = response.body if isinstance(response.body, dict) else {}
    message = str(body.get("Message") or body.get("message") or "request failed")
    status = response.status_code
    if status >= 500:
        message = "internal error"
    reshaped = error_response(status, _CHALICE_CODES.get(status, "bad_request"), message)
    if "Allow" in response.headers:
        reshaped.headers["Allow"] = response.headers["Allow"]
    return reshaped


def middleware(event: Request, get_response: GetResponse) -> Response:
    """Trace the request and reshape Chalice's own errors.

    Our errors never get here: Chalice answers an exception raised in a view with its own
    500 before middleware sees it, so they are mapped inside the view (:func:`view`, the one
    place). What is caught here failed outside any view.
    """
    incoming = event.headers.get(TRACE_HEADER)
    with tracing.span("upload.api", trace_header=incoming, annotations={"service": "upload"}):
        try:
            response = get_response(event)
        except Exception:  # noqa: BLE001 - the last line: no stack trace or Chalice body escapes
            _log.exception("unhandled error outside a route")
            response = error_response(500, "internal_error", "internal error")
    if response.status_code >= 400 and not _is_ours(response):
        response = _reshape(response)
    return response


def view(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Route decorator, the one place our errors become responses (see :func:`middleware`)."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.details)
        except TransientError as exc:
            _log.warning("dependency unavailable", extra=log.fields(error=exc.message))
            return error_response(Unavailable.status, Unavailable.code, "a dependency is unavailable; retry")

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def trace_header_for_new_recipe(request: Request) -> str | None:
    """The trace a new recipe belongs to: this request's span, else the caller's header."""
    return tracing.outgoing_trace_header() or request.headers.get(TRACE_HEADER)
