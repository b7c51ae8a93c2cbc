"""Every request to the emulator authenticated and authorized as its caller, as IAM would.

What moto 5.2.5 does, and what this patch changes (:func:`enforce_identity_policies`):

* moto checks requests only after ``INITIAL_NO_AUTH_ACTION_COUNT`` of them, a switch that is
  off by default; here the check is on from the first request when :data:`ENFORCE_ENV`
  says so (the supervisor's ``--enforce-iam``, the default).
* moto knows no root: a key must belong to an IAM user or an assumed role. The local key
  ``testing``/``testing`` (:data:`ADMIN_ACCESS_KEY`) is treated as the account's root here
  — never checked — so provisioning, tests and ordinary AWS tools keep working.
* moto never expires session credentials; here a session past its ``Expiration`` is
  refused with ``ExpiredToken``, so a process whose credentials are not refreshed fails
  as it would on AWS.
* moto cannot check presigned URLs (it reads the ``Authorization`` header they lack); here
  the signer of a presigned URL (``X-Amz-Credential`` and ``X-Amz-Security-Token``) is
  authorized for the request. Approximation: the presigned signature itself is not
  recomputed (moto does not either).
* moto does not check the KMS key behind SSE-KMS objects; here reading such an object
  (GET) also needs ``kms:Decrypt``, writing one (PUT, multipart start) ``kms:GenerateDataKey``,
  on the key's ARN, as S3 asks KMS on the caller's behalf.
* moto answers a read of a missing key with 404 whoever asks; S3 answers 403 unless the
  caller also has ``s3:ListBucket`` on the bucket (so a probe for an object that may not
  exist needs it), and so does this patch.
* unsigned requests are refused (moto fails on them with a server error).

Assumed: one account (moto's default), identity policies only. Resource policies (bucket,
queue, topic and key policies) are not added to the decision (moto evaluates only a
bucket policy's explicit Deny), nor are permission boundaries, SCPs or session policies.
Policy evaluation itself is moto's (``Action``/``Resource`` wildcards, explicit Deny wins).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, urlparse

from circulion_local.emulator import patches
from circulion_local.iam.denials import access_denied, denial_message, expired_token, s3_access_denied
from circulion_local.iam.resource_arns import iam_action

ADMIN_ACCESS_KEY = "testing"
"""The local account's root key (``circulion_local.ports.LOCAL_ACCESS_KEY``)."""

ENFORCE_ENV = "CIRCULION_ENFORCE_IAM"
"""``1`` (default for the stack): check every request; ``0``: accept any credentials."""

_READS = frozenset({"s3:GetObject", "s3:GetObjectVersion"})
_KMS_FOR_S3 = {
    "s3:GetObject": "kms:Decrypt",
    "s3:GetObjectVersion": "kms:Decrypt",
    "s3:PutObject": "kms:GenerateDataKey",
}


def enforcing() -> bool:
    """Whether this process enforces IAM (:data:`ENFORCE_ENV`, on unless ``0``)."""
    return os.environ.get(ENFORCE_ENV, "1") != "0"


def enforce_identity_policies() -> None:
    """Authorize every request of this process against its caller's policies (once)."""
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam import access_control

    patches.require(
        (access_control.IAMRequestBase, "check_action_permitted"),
        (access_control.IAMRequestBase, "check_signature"),
        (access_control.IAMRequestBase, "_raise_access_denied"),
        (access_control, "AssumedRoleAccessKey"),
        (access_control, "S3IAMRequest"),
    )

    def authenticate_and_authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
        authorize(self, iam_request_cls, resource)

    patches.patch(ActionAuthenticatorMixin, "_authenticate_and_authorize_action", authenticate_and_authorize)


def credential_scope(headers: Any, query: dict[str, list[str]]) -> tuple[str, bool] | None:
    """``(AKID/date/region/service/aws4_request, presigned)`` of a request; ``None``: unsigned."""
    authorization = headers.get("Authorization")
    if authorization and "Credential=" in authorization:
        return authorization.partition("Credential=")[2].partition(",")[0], False
    credential = query.get("X-Amz-Credential")
    if credential:
        return credential[0], True
    legacy = query.get("AWSAccessKeyId")  # a SigV2 presigned URL: no scope, S3 in the local region
    return (f"{legacy[0]}/19700101/us-east-1/s3/aws4_request", True) if legacy else None


def authorize(response: Any, iam_request_cls: type, resource: str) -> None:
    """Authenticate the request ``response`` is answering and authorize it on ``resource``.

    Raises the service's AccessDenied (naming action and resource), ``ExpiredToken``, or
    moto's own authentication errors (unknown key, bad signature).
    """
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import S3IAMRequest

    if not enforcing():
        return
    headers = response.headers
    if headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
        return
    parsed_url = urlparse(response.uri)
    query = parse_qs(parsed_url.query)
    as_json = bool(headers.get("X-Amz-Target"))
    is_s3 = iam_request_cls is S3IAMRequest
    scope = credential_scope(headers, query)
    if scope is None:
        message = denial_message("anonymous", f"{'s3' if is_s3 else 'aws'}:*", resource)
        raise s3_access_denied(message) if is_s3 else access_denied("aws", message, as_json=as_json)
    credential, presigned = scope
    if credential.split("/")[0] == ADMIN_ACCESS_KEY:
        return
    if presigned:
        headers = {**dict(headers.items()), "Authorization": f"AWS4-HMAC-SHA256 Credential={credential}, Signature=-"}
        token = query.get("X-Amz-Security-Token") or query.get("x-amz-security-token")
        if token:
            headers["X-Amz-Security-Token"] = token[0]
    path = response.raw_path + (f"?{parsed_url.query}" if parsed_url.query else "")
    request = iam_request_cls(
        account_id=response.current_account,
        method=response.method,
        path=path,
        data=response.data,
        body=response.raw_body,
        headers=headers,
        action=response._get_action(),
    )
    refuse_expired(request, as_json)
    if not presigned:
        request.check_signature()
    check(request, iam_action(request._action), resource, as_json=as_json, s3=is_s3)
    if is_s3 and request._action in _READS and response.method in ("GET", "HEAD"):
        _refuse_missing_without_listing(request, response, resource)
    kms = _KMS_FOR_S3.get(request._action)
    if is_s3 and kms and response.method != "HEAD":
        key_arn = _sse_kms_key(response, resource, headers)
        if key_arn:
            check(request, kms, key_arn, as_json=False, s3=True)


def check(request: Any, action: str, resource: str, *, as_json: bool, s3: bool) -> None:
    """Authorize ``action`` on ``resource`` for the caller of ``request`` (moto's evaluation)."""
    request._action = action
    message = denial_message(request._access_key.arn, action, resource)
    service = action.partition(":")[0]

    def refuse() -> None:
        raise s3_access_denied(message) if s3 else access_denied(service, message, as_json=as_json)

    request._raise_access_denied = refuse
    request.check_action_permitted(resource)


def _refuse_missing_without_listing(request: Any, response: Any, resource: str) -> None:
    """S3 answers a read of a missing key with 403, not 404, unless the caller may list the bucket."""
    from moto.s3.models import s3_backends

    bucket_name, _, key_name = resource.partition(":::")[2].partition("/")
    bucket = s3_backends[response.current_account]["aws"].buckets.get(bucket_name)
    if bucket is None or not key_name or bucket.keys.get(key_name) is not None:
        return
    check(request, "s3:ListBucket", resource.partition("/")[0], as_json=False, s3=True)


def refuse_expired(request: Any, as_json: bool) -> None:
    from moto.core.utils import utcnow
    from moto.iam.access_control import AssumedRoleAccessKey
    from moto.sts.models import sts_backends

    key = request._access_key
    if not isinstance(key, AssumedRoleAccessKey):
        return
    for session in sts_backends[key.account_id][key.partition].assumed_roles:
        if session.access_key_id == key._access_key_id and session.expiration < utcnow():
            raise expired_token(as_json=as_json)


def _sse_kms_key(response: Any, resource: str, headers: Any) -> str | None:
    """The KMS key ARN behind the object ``resource`` (its own, else the request's, else the bucket's)."""
    from moto.kms.models import kms_backends
    from moto.s3.models import s3_backends

    bucket_name, _, key_name = resource.partition(":::")[2].partition("/")
    backend = s3_backends[response.current_account]["aws"]
    bucket = backend.buckets.get(bucket_name)
    if bucket is None:
        return None
    key_id: str | None = None
    existing = bucket.keys.get(key_name) if response.method == "GET" else None
    if existing is not None:
        key_id = existing.kms_key_id if existing.encryption == "aws:kms" else None
    elif headers.get("x-amz-server-side-encryption") == "aws:kms":
        key_id = headers.get("x-amz-server-side-encryption-aws-kms-key-id")
    elif bucket.encryption:
        default = bucket.encryption.get("Rule", {}).get("ApplyServerSideEncryptionByDefault", {})
        if default.get("SSEAlgorithm") == "aws:kms":
            key_id = default.get("KMSMasterKeyID")
    if not key_id:
        return None
    if key_id.startswith("arn:") and ":key/" in key_id:
        return key_id
    kms = kms_backends[response.current_account][response.region]
    try:
        return str(kms.keys[kms.any_id_to_key_id(key_id)].arn)
    except Exception:  # noqa: BLE001 - an unknown key: evaluated as its id, and denied
        return key_id
