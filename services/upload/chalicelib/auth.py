"""Bearer-token verification: one code path for Cognito in production and the local issuer.

Only RS256 is accepted (no ``none``, no HMAC with a public key as the secret); the signing
key is found by ``kid`` in the issuer's JWKS, cached, and refetched at most once per
interval for an unknown ``kid`` so forged kids cannot hammer the issuer. ``iss`` and
``exp`` are required; the audience is Cognito's ``aud`` (ID tokens) or ``client_id``
(access tokens). The tenant comes from a configurable claim (``custom:tenant``).
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

from chalicelib.errors import Unauthorized, Unavailable

ALGORITHM = "RS256"
TENANT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
"""Tenants become S3 key segments: the same characters as recipe names."""


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    subject: str
    groups: tuple[str, ...] = ()
    """The token's ``cognito:groups`` (what :mod:`chalicelib.roles` turns into roles)."""


GROUPS_CLAIM = "cognito:groups"


def groups_claim(claims: dict[str, Any]) -> tuple[str, ...]:
    """The ``cognito:groups`` strings; anything else there counts as no groups."""
    groups = claims.get(GROUPS_CLAIM)
    if not isinstance(groups, list):
        return ()
    return tuple(g for g in groups if isinstance(g, str))


JwksFetcher = Callable[[str], dict[str, Any]]


def fetch_jwks(url: str) -> dict[str, Any]:
    """GET a JWKS document."""
    if not url.startswith(("https://", "http://")):
        raise Unavailable(f"JWKS URL {url!r} is not http(s)")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - scheme checked above
        document: dict[str, Any] = json.loads(response.read())
    return document


class JwksKeys:
    """Public keys by ``kid``, fetched from a JWKS URL and cached for the process."""

    def __init__(
        self,
        url: str,
        *,
        fetch: JwksFetcher = fetch_jwks,
        min_refresh_interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._fetch = fetch
        self._interval = min_refresh_interval_s
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> Any:
        """The RSA public key for ``kid``; :class:`Unauthorized` if the issuer has none."""
        with self._lock:
            if kid not in self._keys and self._may_refresh():
                self._refresh()
            found = self._keys.get(kid)
        if found is None:
            raise Unauthorized("token signed with an unknown key", code="invalid_token")
        return found

    def _may_refresh(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._interval

    def _refresh(self) -> None:
        try:
            document = self._fetch(self._url)
        except (OSError, ValueError) as exc:
            raise Unavailable(f"could not fetch the token keys: {exc}") from exc
        self._fetched_at = self._clock()
        keys: dict[str, Any] = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") == "RSA" and jwk.get("kid") and jwk.get("use", "sig") == "sig":
                keys[str(jwk["kid"])] = RSAAlgorithm.from_jwk(jwk)
        self._keys = keys


@dataclass(frozen=True)
class TokenRules:
    issuer: str
    audience: str | None
    tenant_claim: str = "custom:tenant"
    leeway_s: int = 30


class TokenVerifier:
    """Turns an ``Authorization`` header into a :class:`Principal` or raises ``Unauthorized``."""

    def __init__(self, keys: JwksKeys, rules: TokenRules) -> None:
        self._keys = keys
        self._rules = rules

    def verify_header(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthorized("missing Authorization header", code="missing_token")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization must be 'Bearer <token>'", code="missing_token")
        return self.verify(token.strip())

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("malformed token", code="invalid_token") from exc
        if header.get("alg") != ALGORITHM:
            raise Unauthorized(f"token algorithm must be {ALGORITHM}", code="invalid_token")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("token has no key id", code="invalid_token")
        key = self._keys.key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self._rules.issuer,
                leeway=self._rules.leeway_s,
                options={"require": ["exp", "iss", "sub"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}", code="invalid_token") from exc
        self._check_audience(claims)
        tenant = claims.get(self._rules.tenant_claim)
        if not isinstance(tenant, str) or not TENANT_PATTERN.match(tenant):
            raise Unauthorized(f"token has no valid {self._rules.tenant_claim} claim", code="invalid_token")
        return Principal(tenant_id=tenant, subject=str(claims["sub"]), groups=groups_claim(claims))

    def _check_audience(self, claims: dict[str, Any]) -> None:
        expected = self._rules.audience
        if expected is None:
            return
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if expected in audiences or claims.get("client_id") == expected:
            return
        raise Unauthorized("token is not for this API", code="invalid_token")
