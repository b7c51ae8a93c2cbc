"""The local CDN edge against an emulator: signed URL checks, streaming, ranges."""

from __future__ import annotations

import hashlib
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.server import ThreadedMotoServer

from circulion.cdn_signing import CdnUrlSigner
from circulion_local import edge
from circulion_local.ports import HOST, LocalPorts

OFFSET = 500  # the distributor engineer's offset: never another stack's ports
BUCKET = "circulion-artifacts"
KEY = "artifacts/acme/arm/1.0.0/r1.zip"
DATA = bytes(range(256)) * 1000 + b"tail"


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 10, None),
        ("bytes=0-3", 10, (0, 3)),
        ("bytes=5-", 10, (5, 9)),
        ("bytes=-3", 10, (7, 9)),
        ("bytes=-30", 10, (0, 9)),
        ("bytes=8-100", 10, (8, 9)),
        ("bytes=3-1", 10, None),
        ("bytes=0-1,4-5", 10, None),
        ("items=0-1", 10, None),
    ],
)
def test_parse_range(header: str | None, size: int, expected: tuple[int, int] | None) -> None:
    assert edge.parse_range(header, size) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=0-", 0)])
def test_unsatisfiable_ranges(header: str, size: int) -> None:
    with pytest.raises(edge.RangeNotSatisfiable):
        edge.parse_range(header, size)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, CdnUrlSigner]]:
    ports = LocalPorts(OFFSET)
    server = ThreadedMotoServer(ip_address=HOST, port=ports.emulator, verbose=False)
    server.start()
    try:
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        s3 = session.client("s3", endpoint_url=ports.endpoint_url)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=DATA, ContentType="application/zip")
        s3.put_object(Bucket=BUCKET, Key="artifacts/acme/empty.zip", Body=b"")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        cloudfront = session.client("cloudfront", endpoint_url=ports.endpoint_url)
        key_id = cloudfront.create_public_key(
            PublicKeyConfig={"CallerReference": "t", "Name": "t", "EncodedKey": public.decode()}
        )["PublicKey"]["Id"]
        cloudfront.create_key_group(KeyGroupConfig={"Name": "g", "Items": [key_id]})
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        running_edge = edge.start(ports, tmp_path_factory.mktemp("edge"))
        try:
            yield ports.edge_url, CdnUrlSigner(key_id, pem.decode())
        finally:
            running_edge.stop()
    finally:
        server.stop()


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def signed(running: tuple[str, CdnUrlSigner], key: str = KEY, seconds: int = 300) -> str:
    base, signer = running
    return signer.sign(f"{base}/{key}", datetime.now(UTC) + timedelta(seconds=seconds))


def test_signed_url_serves_the_object(running: tuple[str, CdnUrlSigner]) -> None:
    status, headers, body = fetch(signed(running))
    assert status == 200
    assert body == DATA
    assert headers["Content-Length"] == str(len(DATA))
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["ETag"].strip('"') == hashlib.md5(DATA).hexdigest()


def test_curl_downloads_byte_identical(running: tuple[str, CdnUrlSigner], tmp_path: Path) -> None:
    out = tmp_path / "r.zip"
    subprocess.run(["curl", "-sSf", signed(running), "-o", str(out)], check=True, timeout=60)
    assert out.read_bytes() == DATA


def test_ranged_get(running: tuple[str, CdnUrlSigner]) -> None:
    status, headers, body = fetch(signed(running), {"Range": "bytes=1000-1999"})
    assert (status, body) == (206, DATA[1000:2000])
    assert headers["Content-Range"] == f"bytes 1000-1999/{len(DATA)}"
    status, _, body = fetch(signed(running), {"Range": "bytes=-4"})
    assert (status, body) == (206, b"tail")
    status, headers, _ = fetch(signed(running), {"Range": f"bytes={len(DATA)}-"})
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{len(DATA)}"


def test_head_and_conditional_get(running: tuple[str, CdnUrlSigner]) -> None:
    status, headers, body = fetch(signed(running), method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["Content-Length"] == str(len(DATA))
    status, _, _ = fetch(signed(running), {"If-None-Match": headers["ETag"]})
    assert status == 304


@pytest.mark.parametrize(
    ("make_url", "code"),
    [
        (lambda r: signed(r).replace("r1.zip", "r2.zip"), "AccessDenied"),
        (lambda r: signed(r, seconds=-5), "AccessDenied"),
        (lambda r: f"{r[0]}/{KEY}", "MissingKey"),
        (lambda r: signed(r).replace("Signature=", "Signature=x"), "AccessDenied"),
        (lambda r: signed(r).split("&Key-Pair-Id=")[0] + "&Key-Pair-Id=K2UNKNOWN", "InvalidKey"),
    ],
)
def test_bad_urls_get_403(running: tuple[str, CdnUrlSigner], make_url: object, code: str) -> None:
    status, headers, body = fetch(make_url(running))  # type: ignore[operator]
    assert status == 403
    assert headers["Content-Type"] == "text/xml"
    assert f"<Code>{code}</Code>".encode() in body


def test_missing_object_and_empty_object(running: tuple[str, CdnUrlSigner]) -> None:
    status, _, body = fetch(signed(running, key="artifacts/acme/nothing.zip"))
    assert status == 404
    assert b"NoSuchKey" in body
    status, headers, body = fetch(signed(running, key="artifacts/acme/empty.zip"))
    assert (status, body, headers["Content-Length"]) == (200, b"", "0")
