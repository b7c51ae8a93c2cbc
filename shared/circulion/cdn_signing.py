"""CloudFront signed URLs: signing for services, verification for the local edge.

CloudFront accepts a URL when its query carries ``Expires`` (canned policy) or ``Policy``
(custom policy), ``Signature`` and ``Key-Pair-Id``; the signature is SHA1withRSA
(PKCS#1 v1.5) over the policy JSON, encoded in CloudFront's URL-safe base64 (``+`` → ``-``,
``=`` → ``_``, ``/`` → ``~``). The canned policy is never sent: both sides rebuild it from
the URL and ``Expires``, byte for byte, so its JSON must have no whitespace.

The signing key lives in the Secrets Manager secret ``circulion/cdn-signing-key``
(``{"key_pair_id": ..., "private_key_pem": ...}``); the public half is a CloudFront public
key in the distribution's trusted key group, whose id is the key pair id.

Examples
--------
>>> signer = load_signer(secretsmanager_client)
>>> url = signer.sign("https://d111.cloudfront.net/artifacts/t/n/1.0.0/r.zip", expires_at)
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from circulion.cdn_errors import (
    InvalidSignature,
    MalformedSignedUrl,
    MissingSignature,
    PolicyMismatch,
    SignedUrlError,
    UnknownKeyPair,
    UrlExpired,
)
from circulion.errors import ConfigurationError

__all__ = [  # the errors live in circulion.cdn_errors; callers import them from here too
    "SIGNING_KEY_SECRET_ID",
    "SIGNING_PARAMETERS",
    "CdnUrlSigner",
    "CdnUrlVerifier",
    "InvalidSignature",
    "MalformedSignedUrl",
    "MissingSignature",
    "PolicyMismatch",
    "SecretsClient",
    "SignedUrlError",
    "UnknownKeyPair",
    "UrlExpired",
    "VerifiedUrl",
    "canned_policy",
    "cdn_path",
    "cloudfront_b64decode",
    "cloudfront_b64encode",
    "load_signer",
    "split_signed_url",
]

SIGNING_KEY_SECRET_ID = "circulion/cdn-signing-key"  # noqa: S105 - a secret's name, not a secret
"""Where the key pair id and the RSA private key live."""

SIGNING_PARAMETERS = frozenset({"Expires", "Policy", "Signature", "Key-Pair-Id"})
"""Query parameters CloudFront consumes; everything else is part of the signed resource."""

_TO_CLOUDFRONT = str.maketrans({"+": "-", "=": "_", "/": "~"})
_FROM_CLOUDFRONT = str.maketrans({"-": "+", "_": "=", "~": "/"})


def cloudfront_b64encode(data: bytes) -> str:
    """Base64 with CloudFront's substitutions for characters that are unsafe in URLs."""
    return base64.b64encode(data).decode("ascii").translate(_TO_CLOUDFRONT)


def cloudfront_b64decode(text: str) -> bytes:
    """Inverse of :func:`cloudfront_b64encode`; raises ``ValueError`` on junk."""
    try:
        return base64.b64decode(text.translate(_FROM_CLOUDFRONT), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not CloudFront base64: {exc}") from exc


def canned_policy(resource: str, expires: int) -> str:
    """The canned policy CloudFront rebuilds for ``resource`` and epoch ``expires``."""
    return (
        '{"Statement":[{"Resource":"' + resource + '","Condition":{"DateLessThan":{"AWS:EpochTime":'
        f"{expires}" + "}}}]}"
    )


def cdn_path(key: str) -> str:
    """The CDN path of an object key: ``/`` + the key, percent-encoded where needed."""
    return "/" + quote(key, safe="/-_.~")


class CdnUrlSigner:
    """Signs URLs with a canned policy, as CloudFront's trusted key groups expect.

    Parameters
    ----------
    key_pair_id
        The CloudFront public key id (sent as ``Key-Pair-Id``).
    private_key_pem
        The matching RSA private key, PEM (PKCS#1 or PKCS#8, unencrypted).

    Examples
    --------
    >>> signer = CdnUrlSigner("K2JCJMDEHXQW5F", pem)
    >>> signer.sign("http://127.0.0.1:8080/artifacts/t/n/1/r.zip", datetime.now(UTC) + timedelta(minutes=5))
    'http://127.0.0.1:8080/artifacts/t/n/1/r.zip?Expires=...&Signature=...&Key-Pair-Id=K2JCJMDEHXQW5F'
    """

    def __init__(self, key_pair_id: str, private_key_pem: str) -> None:
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ConfigurationError("the CDN signing key must be an RSA private key")
        self._key = key
        self.key_pair_id = key_pair_id

    def sign(self, url: str, expires_at: datetime) -> str:
        """Return ``url`` with ``Expires``, ``Signature`` and ``Key-Pair-Id`` appended.

        Parameters
        ----------
        url
            The full URL (scheme, host, path and any query of its own).
        expires_at
            When the URL stops working; must be timezone-aware.
        """
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        expires = int(expires_at.timestamp())
        signature = self.sign_bytes(canned_policy(url, expires).encode())
        query = urlencode(
            {"Expires": str(expires), "Signature": cloudfront_b64encode(signature), "Key-Pair-Id": self.key_pair_id},
            safe="-_~",
        )
        return url + ("&" if urlsplit(url).query else "?") + query

    def sign_bytes(self, message: bytes) -> bytes:
        """SHA1withRSA (PKCS#1 v1.5) over ``message``: what CloudFront verifies a policy with."""
        return self._key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - CloudFront requires SHA1withRSA


class SecretsClient(Protocol):
    """Port: the one Secrets Manager call the signer needs (a boto3 client fits)."""

    def get_secret_value(self, *, SecretId: str) -> Mapping[str, Any]: ...  # noqa: N803 - boto3's name


def load_signer(secrets: SecretsClient, secret_id: str = SIGNING_KEY_SECRET_ID) -> CdnUrlSigner:
    """Build a signer from the Secrets Manager secret holding the key pair.

    Raises
    ------
    ConfigurationError
        The secret is not ``{"key_pair_id": ..., "private_key_pem": ...}``.
    """
    raw = secrets.get_secret_value(SecretId=secret_id).get("SecretString")
    try:
        document = json.loads(str(raw))
        return CdnUrlSigner(str(document["key_pair_id"]), str(document["private_key_pem"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"secret {secret_id!r} is not a CDN signing key: {exc}") from exc


@dataclass(frozen=True)
class VerifiedUrl:
    """What a valid signed URL grants."""

    key_pair_id: str
    resource: str
    expires: int


class CdnUrlVerifier:
    """Checks signed URLs the way CloudFront does, for the local edge.

    Parameters
    ----------
    public_keys
        PEM public keys by key pair id: the distribution's trusted key group.
    """

    def __init__(self, public_keys: Mapping[str, str]) -> None:
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        for key_id, pem in public_keys.items():
            key = serialization.load_pem_public_key(pem.encode())
            if isinstance(key, rsa.RSAPublicKey):
                self._keys[key_id] = key

    def knows(self, key_pair_id: str) -> bool:
        return key_pair_id in self._keys

    def verify(self, url: str, now: datetime, client_ip: str | None = None) -> VerifiedUrl:
        """Accept ``url`` or raise the :class:`SignedUrlError` CloudFront's 403 would name.

        The resource is ``url`` without the signing parameters (see :func:`split_signed_url`);
        an edge passes its own base URL plus the request target, never the client's ``Host``.
        """
        resource, signing = split_signed_url(url)
        key_pair_id = signing.get("Key-Pair-Id")
        signature_text = signing.get("Signature")
        if not key_pair_id or not signature_text or ("Expires" not in signing and "Policy" not in signing):
            raise MissingSignature("Missing Key-Pair-Id query parameter or cookie value")
        key = self._keys.get(key_pair_id)
        if key is None:
            raise UnknownKeyPair("Unknown Key")
        if "Policy" in signing:
            policy = _decode(signing["Policy"], "Policy")
        else:
            try:
                expires = int(signing["Expires"])
            except ValueError as exc:
                raise InvalidSignature("Expires is not an integer") from exc
            policy = canned_policy(resource, expires).encode()
        try:
            key.verify(_decode(signature_text, "Signature"), policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
        except _CryptoInvalidSignature as exc:
            raise InvalidSignature("Access denied") from exc
        return _check_policy(policy, resource, key_pair_id, now, client_ip)


def split_signed_url(url: str) -> tuple[str, dict[str, str]]:
    """The resource a signed URL names and its signing parameters, from one reading of the URL.

    Query pairs are taken as sent (still percent-encoded), so a name is a signing parameter
    exactly when it is spelled as one, and the resource keeps every other pair byte for byte.

    Raises
    ------
    MalformedSignedUrl
        The URL has a fragment (never sent by a client, and dropped by parsers) or names
        a signing parameter twice, or both ``Expires`` and ``Policy`` (CloudFront refuses these).
    """
    parts = urlsplit(url)
    if "#" in url:
        raise MalformedSignedUrl("The URL has a fragment")
    signing: dict[str, str] = {}
    kept: list[str] = []
    for item in parts.query.split("&"):
        name, _, value = item.partition("=")
        if name not in SIGNING_PARAMETERS:
            kept.extend([item] if item else [])
        elif name in signing:
            raise MalformedSignedUrl(f"{name} appears more than once")
        else:
            signing[name] = value
    if "Expires" in signing and "Policy" in signing:
        raise MalformedSignedUrl("Expires and Policy both given: canned or custom, not both")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), "")), signing


def _decode(text: str, what: str) -> bytes:
    try:
        return cloudfront_b64decode(text)
    except ValueError as exc:
        raise InvalidSignature(f"{what} is not CloudFront base64") from exc


def _check_policy(policy: bytes, resource: str, key_pair_id: str, now: datetime, client_ip: str | None) -> VerifiedUrl:
    try:
        statement = json.loads(policy)["Statement"][0]
        pattern = str(statement.get("Resource", "*"))
        condition = statement["Condition"]
        not_after = int(condition["DateLessThan"]["AWS:EpochTime"])
        not_before = condition.get("DateGreaterThan", {}).get("AWS:EpochTime")
        source_ip = condition.get("IpAddress", {}).get("AWS:SourceIp")
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise PolicyMismatch("Malformed policy") from exc
    epoch = int(now.timestamp())
    if epoch >= not_after or (not_before is not None and epoch <= int(not_before)):
        raise UrlExpired("Access denied: the URL has expired or is not yet valid")
    # CloudFront's wildcards are * (any run) and ? (one character), nothing else.
    if not fnmatch.fnmatchcase(resource, pattern.replace("[", "[[]")):
        raise PolicyMismatch("Access denied: the policy does not cover this resource")
    if source_ip is not None and (
        client_ip is None or ipaddress.ip_address(client_ip) not in ipaddress.ip_network(str(source_ip), strict=False)
    ):
        raise PolicyMismatch("Access denied: the policy does not cover this client address")
    return VerifiedUrl(key_pair_id=key_pair_id, resource=resource, expires=not_after)
