"""Bearer-token verification: one code path for Cognito in production and the local issuer.

Only RS256 is accepted (no ``none``, no HMAC with a public key as the secret); the signing
key is found by ``kid`` in the issuer's JWKS through PyJWT's ``PyJWKClient``: cached for a
lifespan, refetched at most once per cooldown for an unknown ``kid`` so forged kids cannot
hammer the issuer. ``iss`` and ``exp`` are required; the audience is Cognito's ``aud`` (ID
tokens) or ``client_id`` (access tokens) and must be configured: without one the API
refuses to serve (503), as without a JWKS URL. The tenant comes from a configurable claim
(``custom:tenant``).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from chalicelib.errors import Unauthorized, Unavailable
from circulion import identifiers

ALGORITHM = "RS256"
TENANT_PATTERN = identifiers.compiled(identifiers.TENANT_ID)
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

JWKS_LIFESPAN_S = 300.0
"""How long a fetched JWKS is trusted before it is fetched again (Cognito rotates rarely)."""


def fetch_jwks(url: str) -> dict[str, Any]:
    """GET a JWKS document."""
    if not url.startswith(("https://", "http://")):
        raise Unavailable(f"JWKS URL {url!r} is not http(s)")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - scheme checked above
        document: dict[str, Any] = json.loads(response.read())
    return document


class _JwksClient(jwt.PyJWKClient):
    """PyJWT's client (JWKS cache with a lifespan, refetch cooldown for unknown kids), with
    the document fetched by ``fetch`` so tests and the local issuer need no network."""

    def __init__(self, url: str, fetch: JwksFetcher, *, lifespan_s: float, cooldown_s: float) -> None:
        super().__init__(url, cache_jwk_set=True, lifespan=lifespan_s, cooldown_duration=cooldown_s)
        self._fetch_document = fetch

    def fetch_data(self) -> Any:
        try:
            return self._fetch_document(self.uri)
        except (OSError, ValueError) as exc:
            raise jwt.PyJWKClientConnectionError(f"could not fetch the token keys: {exc}") from exc


class JwksKeys:
    """Public keys by ``kid`` from a JWKS URL, through :class:`jwt.PyJWKClient`.

    The key set is cached for ``lifespan_s``; a ``kid`` it does not hold triggers at most one
    refetch per ``min_refresh_interval_s`` (the cooldown), so forged kids cannot hammer the
    issuer while a rotated key is still picked up.
    """

    def __init__(
        self,
        url: str,
        *,
        fetch: JwksFetcher = fetch_jwks,
        min_refresh_interval_s: float = 60.0,
        lifespan_s: float = JWKS_LIFESPAN_S,
    ) -> None:
        self._client = _JwksClient(url, fetch, lifespan_s=lifespan_s, cooldown_s=min_refresh_interval_s)

    def key(self, kid: str) -> Any:
        """The public key for ``kid``; :class:`Unauthorized` if the issuer has none."""
        try:
            return self._client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise Unavailable(str(exc)) from exc
        except jwt.PyJWKSetError as exc:
            raise Unavailable(f"the token keys are unusable: {exc}") from exc
        except jwt.PyJWKClientError as exc:
            raise Unauthorized("token signed with an unknown key", code="invalid_token") from exc


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
        if not isinstance(tenant, str) or not TENANT_PATTERN.fullmatch(tenant):
            raise Unauthorized(f"token has no valid {self._rules.tenant_claim} claim", code="invalid_token")
        return Principal(tenant_id=tenant, subject=str(claims["sub"]), groups=groups_claim(claims))

    def _check_audience(self, claims: dict[str, Any]) -> None:
        expected = self._rules.audience
        if not expected:  # fail closed: no configured audience accepts every app's tokens
            raise Unavailable("token verification is not configured (token_audience)")
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if expected in audiences or claims.get("client_id") == expected:
            return
        raise Unauthorized("token is not for this API", code="invalid_token")
