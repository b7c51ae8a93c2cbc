"""Hostile bearer tokens (issue 10): each is a 401 with a machine-readable reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from api import UploadApi, dev_token
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from support import Stack

pytestmark = pytest.mark.stack


def _claims(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


def _tokens(stack: Stack) -> Iterator[tuple[str, str, str]]:
    """(label, token, expected error code)."""
    good = dev_token(stack.ports, "acme")
    header, claims = _claims(good)
    yield "expired", dev_token(stack.ports, "acme", ttl_s=-600), "token_expired"
    yield "alg-none", jwt.encode(claims, None, algorithm="none"), "invalid_token"
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = stranger.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    yield (
        "other-key-same-kid",
        jwt.encode(claims, pem, algorithm="RS256", headers={"kid": header["kid"]}),
        "invalid_token",
    )
    yield "other-key-unknown-kid", jwt.encode(claims, pem, algorithm="RS256", headers={"kid": "nope"}), "invalid_token"
    yield (
        "hs256-with-public-key",
        jwt.encode(claims, "s" * 32, algorithm="HS256", headers={"kid": header["kid"]}),
        "invalid_token",
    )
    yield "tampered-tenant", _tamper(good), "invalid_token"
    yield "garbage", "not.a.token", "invalid_token"


def _tamper(token: str) -> str:
    head, payload, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims = {k: ("victim" if "tenant" in k else v) for k, v in claims.items()}
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{head}.{forged}.{signature}"


def test_bad_tokens_are_401_with_a_reason(stack: Stack) -> None:
    for label, token, code in _tokens(stack):
        got = UploadApi(stack.ports.api_url, token).request("GET", "/recipes")
        assert got.status == 401 and got.error_code == code, (label, got.status, got.body)
