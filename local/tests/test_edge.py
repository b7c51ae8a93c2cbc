"""The local CDN edge against an emulator: signed URL checks, streaming, ranges."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from moto_servers import local_client, moto_server, trusted_signer

from circulion.cdn_signing import CdnUrlSigner, cloudfront_b64encode
from circulion_local import edge
from circulion_local.ports import LocalPorts

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
        ("bytes=0-3\n", 10, (0, 3)),
        ("bytes=" + "9" * 5000 + "-", 10, None),
        ("bytes=0-" + "9" * 5000, 10, None),
        ("bytes=-" + "1" * 20, 10, None),
    ],
)
def test_parse_range(header: str | None, size: int, expected: tuple[int, int] | None) -> None:
    assert edge.parse_range(header, size) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=0-", 0)])
def test_unsatisfiable_ranges(header: str, size: int) -> None:
    with pytest.raises(edge.RangeNotSatisfiable):
        edge.parse_range(header, size)


@pytest.fixture(scope="module")
def emulator() -> Iterator[LocalPorts]:
    with moto_server() as ports:
        yield ports


@pytest.fixture(scope="module")
def running(emulator: LocalPorts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, CdnUrlSigner]]:
    s3 = local_client(emulator, "s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=DATA, ContentType="application/zip")
    s3.put_object(Bucket=BUCKET, Key="artifacts/acme/empty.zip", Body=b"")
    signer = trusted_signer(local_client(emulator, "cloudfront"))
    running_edge = edge.start(emulator, tmp_path_factory.mktemp("edge"))
    try:
        yield emulator.edge_url, signer
    finally:
        running_edge.stop()


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


# --- hostile requests: every way a client controls what is verified or what is served ---

OTHER_KEY = "artifacts/globex/secret/1.0.0/r9.zip"  # another tenant's object


def raw_request(
    base: str, target: str, host: str | None = None, method: str = "GET", extra: str = ""
) -> tuple[int, bytes]:
    """Send exactly ``target`` and ``Host`` (http.client would tidy both); return status and body."""
    address = urllib.parse.urlsplit(base)
    lines = f"{method} {target} HTTP/1.1\r\nHost: {host or address.netloc}\r\n{extra}Connection: close\r\n\r\n"
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(lines.encode("latin-1"))
        answer = b""
        while piece := sock.recv(65536):
            answer += piece
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]) if head else 0, body


@pytest.fixture(scope="module")
def other_object(emulator: LocalPorts, running: tuple[str, CdnUrlSigner]) -> None:
    local_client(emulator, "s3").put_object(Bucket=BUCKET, Key=OTHER_KEY, Body=b"globex secret")


def target_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.path + "?" + parts.query


def custom_policy_url(signer: CdnUrlSigner, url: str, resource: str) -> str:
    """``url`` signed with a custom policy for ``resource`` (wildcards allowed), as CloudFront accepts."""
    expires = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
    policy = json.dumps(
        {"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]},
        separators=(",", ":"),
    ).encode()
    signature = signer._key.sign(policy, padding.PKCS1v15(), hashes.SHA1())
    query = f"Policy={cloudfront_b64encode(policy)}&Signature={cloudfront_b64encode(signature)}"
    return f"{url}{'&' if '?' in url else '?'}{query}&Key-Pair-Id={signer.key_pair_id}"


def test_host_header_cannot_carry_the_verified_url(running: tuple[str, CdnUrlSigner], other_object: None) -> None:
    base = running[0]
    spoofed_host = signed(running)[len("http://") :] + "#"  # a valid URL for acme's object, then a fragment
    status, body = raw_request(base, "/" + OTHER_KEY, host=spoofed_host)
    assert status == 403
    assert b"globex secret" not in body


def test_any_host_header_with_a_valid_target_is_verified_against_the_edge(running: tuple[str, CdnUrlSigner]) -> None:
    status, body = raw_request(running[0], target_of(signed(running)), host="cdn.example.com")
    assert (status, body) == (200, DATA)


@pytest.mark.parametrize(
    "make_target",
    [
        pytest.param(lambda url: url, id="absolute-form"),
        pytest.param(lambda url: target_of(url)[1:], id="no-leading-slash"),
        pytest.param(lambda url: target_of(url) + "#x", id="fragment"),
        pytest.param(
            lambda url: target_of(url) + "&Expires=" + url.split("Expires=")[1].split("&")[0], id="dup-expires"
        ),
        pytest.param(lambda url: target_of(url) + "&Key-Pair-Id=K2OTHER", id="dup-key-pair-id"),
        pytest.param(lambda url: target_of(url) + "&Signature=AAAA", id="dup-signature"),
    ],
)
def test_hostile_targets_for_a_valid_url_are_refused(running: tuple[str, CdnUrlSigner], make_target: Any) -> None:
    status, body = raw_request(running[0], make_target(signed(running)))
    assert status in (400, 403)
    assert body.startswith(b"<?xml") and b"<Error>" in body


@pytest.mark.parametrize(
    "path",
    [
        "/artifacts%2Facme%2Farm%2F1.0.0%2Fr1.zip",  # the same key, encoded differently
        "/artifacts/acme/arm/1.0.0/%72%31.zip",
        "/artifacts/acme/arm/1.0.0/../../../globex/secret/1.0.0/r9.zip",
        "/artifacts/acme/arm/1.0.0/..%2f..%2f..%2fglobex/secret/1.0.0/r9.zip",
        "/artifacts/acme/arm/1.0.0/%2e%2e/%2e%2e/%2e%2e/globex/secret/1.0.0/r9.zip",
        "/artifacts/acme//arm/1.0.0/r1.zip",
        "/artifacts/acme/arm/1.0.0/r1.zip%00",
    ],
)
def test_paths_that_are_not_the_key_they_serve_are_refused(
    running: tuple[str, CdnUrlSigner], other_object: None, path: str
) -> None:
    base, signer = running
    # The policy covers every acme object, so only the path check stands between the URL and globex.
    url = custom_policy_url(signer, base + path, resource=f"{base}/artifacts/acme/*")
    status, body = raw_request(base, target_of(url))
    assert status == 400
    assert b"InvalidURI" in body


def test_the_query_never_changes_the_key_served(running: tuple[str, CdnUrlSigner], other_object: None) -> None:
    base, signer = running
    url = custom_policy_url(signer, f"{base}/{KEY}?key={OTHER_KEY}&prefix=artifacts/globex", f"{base}/artifacts/acme/*")
    status, body = raw_request(base, target_of(url))
    assert (status, body) == (200, DATA)
    status, _ = raw_request(base, target_of(signed(running)).replace("?", f"?x-id={OTHER_KEY}&", 1))
    assert status == 403  # an added parameter is part of the canned policy's resource


def test_a_range_of_thousands_of_digits_is_ignored_not_a_dropped_connection(running: tuple[str, CdnUrlSigner]) -> None:
    status, body = raw_request(running[0], target_of(signed(running)), extra=f"Range: bytes=0-{'9' * 5000}\r\n")
    assert (status, body) == (200, DATA)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])
def test_methods_the_distribution_does_not_allow_get_403_xml(running: tuple[str, CdnUrlSigner], method: str) -> None:
    status, body = raw_request(running[0], target_of(signed(running)), method=method, extra="Content-Length: 0\r\n")
    assert status == 403
    assert body.startswith(b"<?xml") and b"<Code>MethodNotAllowed</Code>" in body
