"""CloudFront signed URLs: our signer, botocore's reference signer and the edge's verifier agree."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from circulion.cdn_signing import (
    CdnUrlSigner,
    CdnUrlVerifier,
    InvalidSignature,
    MalformedSignedUrl,
    MissingSignature,
    PolicyMismatch,
    UnknownKeyPair,
    UrlExpired,
    canned_policy,
    cdn_path,
    cloudfront_b64decode,
    cloudfront_b64encode,
    load_signer,
)
from circulion.errors import ConfigurationError

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
URL = "http://127.0.0.1:8580/artifacts/acme/arm/1.0.0/r1.zip"


@functools.cache
def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey | None = None) -> str:
    return (
        (key or _key())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def public_pem(key: rsa.RSAPrivateKey | None = None) -> str:
    return (
        (key or _key())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def signer() -> CdnUrlSigner:
    return CdnUrlSigner("K2TESTKEY", private_pem())


@pytest.fixture
def verifier() -> CdnUrlVerifier:
    return CdnUrlVerifier({"K2TESTKEY": public_pem()})


def botocore_signer() -> CloudFrontSigner:
    def rsa_signer(message: bytes) -> bytes:
        return _key().sign(message, padding.PKCS1v15(), hashes.SHA1())

    return CloudFrontSigner("K2TESTKEY", rsa_signer)


def test_round_trip(signer: CdnUrlSigner, verifier: CdnUrlVerifier) -> None:
    url = signer.sign(URL, NOW + timedelta(minutes=5))
    verified = verifier.verify(url, NOW)
    assert verified.resource == URL
    assert verified.key_pair_id == "K2TESTKEY"
    assert verified.expires == int((NOW + timedelta(minutes=5)).timestamp())


def test_signature_is_what_botocores_cloudfront_signer_makes(signer: CdnUrlSigner) -> None:
    expires = NOW + timedelta(minutes=5)
    assert signer.sign(URL, expires) == botocore_signer().generate_presigned_url(URL, date_less_than=expires)


def test_verifier_accepts_botocores_custom_policy(verifier: CdnUrlVerifier) -> None:
    cf = botocore_signer()
    policy = cf.build_policy("http://127.0.0.1:8580/artifacts/acme/*", NOW + timedelta(minutes=5))
    url = cf.generate_presigned_url(URL, policy=policy)
    assert verifier.verify(url, NOW).resource == URL
    other = url.replace("/artifacts/acme/", "/artifacts/evil/")
    with pytest.raises(PolicyMismatch):
        verifier.verify(other, NOW)


def test_url_with_its_own_query_keeps_it_in_the_signed_resource(signer: CdnUrlSigner, verifier: CdnUrlVerifier) -> None:
    url = signer.sign(URL + "?response-content-disposition=attachment", NOW + timedelta(minutes=1))
    assert "?response-content-disposition=attachment&Expires=" in url
    verifier.verify(url, NOW)
    with pytest.raises(InvalidSignature):
        verifier.verify(url.replace("attachment", "inline"), NOW)


@pytest.mark.parametrize(
    ("tamper", "error"),
    [
        (lambda u: u.replace("/r1.zip", "/r2.zip"), InvalidSignature),
        (lambda u: u.replace("Expires=", "Expires=9"), InvalidSignature),
        (lambda u: u.replace("Signature=", "Signature=AAAA"), InvalidSignature),
        (lambda u: u.replace("127.0.0.1", "localhost"), InvalidSignature),
        (lambda u: u.replace("Key-Pair-Id=K2TESTKEY", "Key-Pair-Id=K2OTHER"), UnknownKeyPair),
        (lambda u: u.split("?")[0], MissingSignature),
        (lambda u: u.replace("&Key-Pair-Id=K2TESTKEY", ""), MissingSignature),
    ],
)
def test_tampered_urls_are_refused(
    signer: CdnUrlSigner, verifier: CdnUrlVerifier, tamper: Any, error: type[Exception]
) -> None:
    url = signer.sign(URL, NOW + timedelta(minutes=5))
    with pytest.raises(error):
        verifier.verify(tamper(url), NOW)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda u: u + "#/artifacts/globex/secret.zip", id="fragment"),
        pytest.param(lambda u: u.replace("?", "#", 1), id="fragment-swallows-query"),
        pytest.param(lambda u: u + "&Expires=" + u.split("Expires=")[1].split("&")[0], id="expires-twice"),
        pytest.param(lambda u: u + "&Key-Pair-Id=K2TESTKEY", id="key-pair-id-twice"),
        pytest.param(lambda u: u + "&Signature=" + u.split("Signature=")[1].split("&")[0], id="signature-twice"),
        pytest.param(lambda u: u + "&Policy=e30_", id="policy-beside-expires"),
    ],
)
def test_urls_read_two_ways_are_refused(signer: CdnUrlSigner, verifier: CdnUrlVerifier, tamper: Any) -> None:
    url = signer.sign(URL, NOW + timedelta(minutes=5))
    with pytest.raises(MalformedSignedUrl):
        verifier.verify(tamper(url), NOW)


def test_an_escaped_signing_name_is_part_of_the_resource_not_a_signing_parameter(
    signer: CdnUrlSigner, verifier: CdnUrlVerifier
) -> None:
    url = signer.sign(URL + "?Expire%73=1", NOW + timedelta(minutes=5))
    assert verifier.verify(url, NOW).resource == URL + "?Expire%73=1"


def test_expired_url_is_refused(signer: CdnUrlSigner, verifier: CdnUrlVerifier) -> None:
    url = signer.sign(URL, NOW + timedelta(seconds=30))
    verifier.verify(url, NOW + timedelta(seconds=29))
    with pytest.raises(UrlExpired):
        verifier.verify(url, NOW + timedelta(seconds=30))


def test_a_different_key_under_the_same_id_is_refused(verifier: CdnUrlVerifier) -> None:
    intruder = CdnUrlSigner("K2TESTKEY", private_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    with pytest.raises(InvalidSignature):
        verifier.verify(intruder.sign(URL, NOW + timedelta(minutes=5)), NOW)


def test_cloudfront_base64_and_canned_policy() -> None:
    data = bytes(range(256))
    encoded = cloudfront_b64encode(data)
    assert not set("+=/") & set(encoded)
    assert cloudfront_b64decode(encoded) == data
    assert (
        canned_policy("http://h/p", 7)
        == '{"Statement":[{"Resource":"http://h/p","Condition":{"DateLessThan":{"AWS:EpochTime":7}}}]}'
    )
    assert cdn_path("artifacts/t/my recipe/1.0.0/r.zip") == "/artifacts/t/my%20recipe/1.0.0/r.zip"


class FakeSecrets:
    def __init__(self, value: str) -> None:
        self.value = value

    def get_secret_value(self, *, SecretId: str) -> dict[str, str]:  # noqa: N803
        assert SecretId == "circulion/cdn-signing-key"
        return {"SecretString": self.value}


def test_load_signer_reads_the_secret(verifier: CdnUrlVerifier) -> None:
    secret = json.dumps({"key_pair_id": "K2TESTKEY", "private_key_pem": private_pem()})
    signer = load_signer(FakeSecrets(secret))
    verifier.verify(signer.sign(URL, NOW + timedelta(minutes=1)), NOW)
    with pytest.raises(ConfigurationError):
        load_signer(FakeSecrets('{"key_pair_id": "x"}'))
    with pytest.raises(ValueError, match="timezone"):
        signer.sign(URL, datetime(2030, 1, 1))
