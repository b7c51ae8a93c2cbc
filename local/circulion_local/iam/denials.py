"""AccessDenied answers that say what was refused, in each protocol's error shape.

moto's ``AccessDeniedError`` names the principal and the action but not the resource, and
is always rendered as a query-protocol XML document: a JSON-protocol client (KMS, Secrets
Manager, SQS's JSON protocol) cannot parse it and sees a bare ``403`` with no message, and
S3 answers ``Access Denied`` with no detail at all. Here a denial carries AWS's own wording
(``User: <arn> is not authorized to perform: <action> on resource: <arn> because no
identity-based policy allows the <action> action``), with the error code each service
uses, so a handler's failure reason says what to add to ``deploy/permissions.py``.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.exceptions import HTTPException

JSON_ERROR_CODES = {"dynamodb": "AccessDeniedException", "kms": "AccessDeniedException", "sqs": "AccessDenied"}
"""JSON-protocol services and the ``__type`` of their AccessDenied (others: ``AccessDeniedException``)."""

QUERY_ERROR_CODES = {"sns": "AuthorizationError"}
"""XML services whose AccessDenied has another code (others: ``AccessDenied``)."""


def denial_message(principal_arn: str, action: str, resource: str) -> str:
    """AWS's wording for an action no identity-based policy allows."""
    return (
        f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )


class Refused(HTTPException):
    """A refused request, rendered in the protocol the client speaks."""

    def __init__(self, status: int, code: str, message: str, *, as_json: bool) -> None:
        super().__init__()
        self.code = status
        self.error_code = code
        self.message = message
        if as_json:
            self.description = json.dumps({"__type": code, "message": message})
            self._content_type = "application/x-amz-json-1.0"
        else:
            self.description = (
                "<?xml version='1.0' encoding='UTF-8'?>\n<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{code}</Code><Message>{_xml(message)}</Message></Error></ErrorResponse>"
            )
            self._content_type = "text/xml"

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("X-Amzn-ErrorType", self.error_code), ("Content-Type", self._content_type)]

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return str(self.description)


def access_denied(service: str, message: str, *, as_json: bool) -> Refused:
    """The AccessDenied ``service`` answers (400 for JSON services, as DynamoDB and KMS do)."""
    if as_json:
        return Refused(400, JSON_ERROR_CODES.get(service, "AccessDeniedException"), message, as_json=True)
    return Refused(403, QUERY_ERROR_CODES.get(service, "AccessDenied"), message, as_json=False)


def expired_token(*, as_json: bool) -> Refused:
    """Session credentials past their expiry (what a process that never refreshes gets)."""
    return Refused(
        400 if as_json else 403,
        "ExpiredTokenException" if as_json else "ExpiredToken",
        "The security token included in the request is expired",
        as_json=as_json,
    )


def s3_access_denied(message: str) -> Exception:
    """S3's AccessDenied (moto's own S3 error, so S3 renders it) with the detail AWS gives."""
    from moto.s3.exceptions import S3AccessDeniedError

    error = S3AccessDeniedError()
    error.message = message
    error.args = (message,)
    return error


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
