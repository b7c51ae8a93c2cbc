"""Custom-policy credentials: signed with botocore, accepted by the edge's verifier as query and as cookies."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from circulion.cdn_policy import policy_credential, url_with_cookie_credential
from circulion.cdn_signing import CdnUrlSigner, CdnUrlVerifier, PolicyMismatch, UrlExpired, cloudfront_b64decode

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BASE = "http://127.0.0.1:8380/artifacts/acme/cell-a"
RESOURCE = f"{BASE}/*"


@functools.cache
def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _signer() -> CdnUrlSigner:
    pem = _key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return CdnUrlSigner("KTEST", pem.decode())


def _verifier() -> CdnUrlVerifier:
    pem = _key().public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return CdnUrlVerifier({"KTEST": pem.decode()})


def test_the_policy_is_a_custom_one_over_the_whole_prefix() -> None:
    credential = policy_credential(_signer(), RESOURCE, NOW + timedelta(hours=12))
    policy = json.loads(cloudfront_b64decode(credential.cookies["CloudFront-Policy"]))
    statement = policy["Statement"][0]
    assert statement["Resource"] == RESOURCE
    assert statement["Condition"]["DateLessThan"]["AWS:EpochTime"] == int((NOW + timedelta(hours=12)).timestamp())
    assert credential.cookies["CloudFront-Key-Pair-Id"] == "KTEST"


@pytest.mark.parametrize("path", ["latest.json", "1.1.0/abc.zip"])
def test_query_form_grants_every_object_under_the_prefix(path: str) -> None:
    credential = policy_credential(_signer(), RESOURCE, NOW + timedelta(hours=12))
    verified = _verifier().verify(credential.sign(f"{BASE}/{path}"), NOW + timedelta(hours=11))
    assert verified.resource == f"{BASE}/{path}"


def test_cookie_form_is_accepted_by_the_verifier() -> None:
    credential = policy_credential(_signer(), RESOURCE, NOW + timedelta(hours=12))
    url = url_with_cookie_credential(f"{BASE}/latest.json", {**credential.cookies, "session": "x"})
    assert _verifier().verify(url, NOW).resource == f"{BASE}/latest.json"


def test_another_prefix_is_refused_in_both_forms() -> None:
    credential = policy_credential(_signer(), RESOURCE, NOW + timedelta(hours=12))
    other = "http://127.0.0.1:8380/artifacts/globex/cell-a/latest.json"
    with pytest.raises(PolicyMismatch):
        _verifier().verify(credential.sign(other), NOW)
    with pytest.raises(PolicyMismatch):
        _verifier().verify(url_with_cookie_credential(other, credential.cookies), NOW)


def test_the_credential_expires() -> None:
    credential = policy_credential(_signer(), RESOURCE, NOW + timedelta(hours=12))
    with pytest.raises(UrlExpired):
        _verifier().verify(credential.sign(f"{BASE}/latest.json"), NOW + timedelta(hours=12, seconds=1))


def test_a_query_signature_wins_over_cookies() -> None:
    url = f"{BASE}/latest.json?Signature=abc"
    assert url_with_cookie_credential(url, {"CloudFront-Signature": "zzz"}) == url
