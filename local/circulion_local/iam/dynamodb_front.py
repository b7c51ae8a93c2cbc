"""DynamoDB requests authorized in the front process, before they are forwarded.

The emulator serves DynamoDB from a process of its own
(:mod:`circulion_local.emulator.dynamodb_process`), which knows no roles or sessions: IAM's
state lives in the front process. So the front authorizes each DynamoDB request itself
(:class:`AuthorizeDynamoDB`, WSGI middleware in front of the forwarder) and forwards only
what is allowed; the DynamoDB process checks nothing.

moto 5.2.5 would have evaluated every DynamoDB action against ``*`` (no resource hook) and
``TransactWriteItems`` as an action of its own, which IAM does not have. Here, as DynamoDB
does (:func:`dynamodb_checks`): a table's ARN from ``TableName`` (plus ``/index/<name>``
for a query or scan of an index); each item of a transaction checked as its own action
(``PutItem``, ``UpdateItem``, ``DeleteItem``, ``ConditionCheckItem``, ``GetItem``) on its
table; a batch checked as ``BatchWriteItem``/``BatchGetItem`` on every table it names.
Approximation: condition keys (``dynamodb:LeadingKeys``, ``dynamodb:Attributes``...) are
not evaluated; the map uses none.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from circulion_local.emulator import patches
from circulion_local.iam.denials import Refused
from circulion_local.iam.enforcement import ADMIN_ACCESS_KEY, check, credential_scope, enforcing, refuse_expired

TARGET_PREFIX = "DynamoDB_20120810."
_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def table_arn(name: str, region: str, account: str) -> str:
    """The ARN of table ``name`` (``TableName`` may already be one)."""
    return name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{name}"


def dynamodb_checks(operation: str, body: dict[str, Any], region: str, account: str) -> list[tuple[str, str]]:
    """``(action, resource)`` pairs a DynamoDB request needs allowed, in DynamoDB's terms."""
    if operation in ("TransactWriteItems", "TransactGetItems"):
        pairs = []
        for item in body.get("TransactItems", []):
            for kind, action in _TRANSACT_ACTIONS.items():
                if kind in item:
                    pairs.append((f"dynamodb:{action}", table_arn(item[kind]["TableName"], region, account)))
        return pairs
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [(f"dynamodb:{operation}", table_arn(name, region, account)) for name in body.get("RequestItems", {})]
    name = body.get("TableName")
    if not name:
        return [(f"dynamodb:{operation}", "*")]
    resource = table_arn(str(name), region, account)
    if body.get("IndexName") and operation in ("Query", "Scan"):
        resource = f"{resource}/index/{body['IndexName']}"
    return [(f"dynamodb:{operation}", resource)]


class AuthorizeDynamoDB:
    """WSGI middleware: DynamoDB requests checked (when enforcing) before ``app`` forwards them.

    Placed in front of :class:`circulion_local.emulator.dynamodb_process.ForwardDynamoDB`.
    Assumed: the checks are moto's ``IAMRequest`` evaluation (:func:`.enforcement.check`),
    checked at construction like every patch (:func:`circulion_local.emulator.patches.require`).
    """

    def __init__(self, app: Callable[[dict[str, Any], Any], Iterable[bytes]]) -> None:
        from moto.iam.access_control import IAMRequest

        patches.require((IAMRequest, "check_signature"))
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith(TARGET_PREFIX) or not enforcing():
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)  # the forwarder reads it again
        try:
            _authorize(environ, target.removeprefix(TARGET_PREFIX), body)
        except Refused as refused:
            start_response(f"{refused.code} Refused", refused.get_headers())
            return [refused.get_body().encode()]
        return self._app(environ, start_response)


def _authorize(environ: dict[str, Any], operation: str, body: bytes) -> None:
    from moto.core.exceptions import InvalidClientTokenIdError, SignatureDoesNotMatchError
    from moto.iam.access_control import IAMRequest
    from moto.iam.models import get_account_id_from
    from werkzeug.datastructures import EnvironHeaders

    headers = EnvironHeaders(environ)
    scope = credential_scope(headers, {})
    if scope is None:
        raise Refused(
            400, "MissingAuthenticationTokenException", "Request is missing Authentication Token", as_json=True
        )
    credential, _ = scope
    access_key_id = credential.split("/")[0]
    if access_key_id == ADMIN_ACCESS_KEY:
        return
    account = get_account_id_from(access_key_id)
    path = str(environ.get("PATH_INFO", "/")) + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
    try:
        request = IAMRequest(
            account_id=account,
            method=str(environ["REQUEST_METHOD"]),
            path=path,
            data={},
            body=body,
            headers=headers,  # type: ignore[arg-type]  # case-insensitive: moto reads exact-case keys
            action=operation,
        )
        request.check_signature()
    except InvalidClientTokenIdError:
        raise Refused(
            400, "UnrecognizedClientException", "The security token included in the request is invalid.", as_json=True
        ) from None
    except SignatureDoesNotMatchError:
        raise Refused(
            400, "InvalidSignatureException", "The request signature we calculated does not match.", as_json=True
        ) from None
    refuse_expired(request, True)
    for action, resource in dynamodb_checks(operation, json.loads(body or b"{}"), request._region, account):
        check(request, action, resource, as_json=True, s3=False)
