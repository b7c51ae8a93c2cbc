"""CloudFront custom-policy credentials: one signature for every object under a path.

A robot polls ``latest.json`` and fetches the archive it names as often as it likes; a
canned-policy URL per object would send it back to the API for each new version. A custom
policy whose ``Resource`` ends in ``*`` covers the whole ``artifacts/{tenant}/{name}/``
prefix until it expires. CloudFront takes it as query parameters (``Policy``,
``Signature``, ``Key-Pair-Id``) or as the cookies ``CloudFront-Policy``,
``CloudFront-Signature`` and ``CloudFront-Key-Pair-Id``; this module builds both, with
botocore's :class:`~botocore.signers.CloudFrontSigner`, and turns the cookie form back
into the query form so :class:`~circulion.cdn_signing.CdnUrlVerifier` checks either.

Examples
--------
>>> credential = policy_credential(signer, "https://cdn/artifacts/acme/cell-a/*", expires_at)
>>> credential.sign("https://cdn/artifacts/acme/cell-a/latest.json")
'https://cdn/artifacts/acme/cell-a/latest.json?Policy=...&Signature=...&Key-Pair-Id=...'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit

from botocore.signers import CloudFrontSigner

COOKIE_TO_PARAMETER: dict[str, str] = {
    "CloudFront-Policy": "Policy",
    "CloudFront-Signature": "Signature",
    "CloudFront-Key-Pair-Id": "Key-Pair-Id",
    "CloudFront-Expires": "Expires",
}
"""CloudFront's signed cookies and the query parameter each one stands for."""


class PolicySigner(Protocol):
    """Port: the key half of a CloudFront key pair (``CdnUrlSigner`` fits)."""

    key_pair_id: str

    def sign_bytes(self, message: bytes) -> bytes: ...


@dataclass(frozen=True)
class PolicyCredential:
    """A signed custom policy, as a query string and as cookies.

    Attributes
    ----------
    resource
        The policy's ``Resource`` (a URL pattern; ``*`` matches any run of characters).
    query
        ``Policy=...&Signature=...&Key-Pair-Id=...``, to append to any URL under ``resource``.
    cookies
        The same credential as CloudFront's three signed cookies.
    """

    resource: str
    expires_at: datetime
    query: str
    cookies: dict[str, str]

    def sign(self, url: str) -> str:
        """``url`` with the credential's query appended (it must lie under ``resource``)."""
        return url + ("&" if urlsplit(url).query else "?") + self.query


def policy_credential(signer: PolicySigner, resource: str, expires_at: datetime) -> PolicyCredential:
    """Sign a custom policy granting ``resource`` (wildcards allowed) until ``expires_at``."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    cloudfront = CloudFrontSigner(signer.key_pair_id, signer.sign_bytes)
    policy = cloudfront.build_policy(resource, expires_at)
    # botocore only offers the credential appended to a URL; an empty one leaves "?<query>".
    query = cloudfront.generate_presigned_url("", policy=policy).removeprefix("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    cookies = {
        "CloudFront-Policy": params["Policy"],
        "CloudFront-Signature": params["Signature"],
        "CloudFront-Key-Pair-Id": params["Key-Pair-Id"],
    }
    return PolicyCredential(resource=resource, expires_at=expires_at, query=query, cookies=cookies)


def url_with_cookie_credential(url: str, cookies: Mapping[str, str]) -> str:
    """``url`` with a signed-cookie credential moved into its query, for the verifier.

    A URL that already carries a ``Signature`` is returned unchanged: the query wins, as at
    CloudFront. Cookies other than CloudFront's signing cookies are ignored.
    """
    present = {name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    if "Signature" in present:
        return url
    extra = [f"{COOKIE_TO_PARAMETER[name]}={value}" for name, value in cookies.items() if name in COOKIE_TO_PARAMETER]
    if not extra:
        return url
    return url + ("&" if urlsplit(url).query else "?") + "&".join(extra)
