"""The local edge caches like CloudFront, against an emulator with a distribution.

Hits and misses, Age, 304s, invalidations made on the emulator (exact and wildcard), the
TTL (capped low by ``CIRCULION_EDGE_MAX_TTL_S``), signed cookies, and the signature checked
on hits as on misses.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from moto_servers import local_client, moto_server, trusted_signer

from circulion.cdn_signing import CdnUrlSigner
from circulion_local import edge
from circulion_local.edge_cache import HIT, MISS

BUCKET = "circulion-artifacts"
TTL_S = 2.0
MANAGED_CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


@dataclass
class Running:
    base: str
    signer: CdnUrlSigner
    s3: Any
    cloudfront: Any
    distribution_id: str

    def url(self, key: str) -> str:
        return self.signer.sign(f"{self.base}/{key}", datetime.now(UTC) + timedelta(seconds=300))

    def put(self, key: str, body: bytes) -> None:
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="application/json")

    def invalidate(self, *paths: str) -> None:
        batch = {"Paths": {"Quantity": len(paths), "Items": list(paths)}, "CallerReference": str(time.time_ns())}
        self.cloudfront.create_invalidation(DistributionId=self.distribution_id, InvalidationBatch=batch)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with moto_server() as ports:
        s3 = local_client(ports, "s3")
        s3.create_bucket(Bucket=BUCKET)
        cloudfront = local_client(ports, "cloudfront")
        signer = trusted_signer(cloudfront)
        _create_distribution(cloudfront, "some-other-bucket")  # the edge must pick the artifacts one
        distribution_id = _create_distribution(cloudfront, BUCKET)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("CIRCULION_EDGE_MAX_TTL_S", str(TTL_S))
            running_edge = edge.start(ports, tmp_path_factory.mktemp("edge"))
        try:
            yield Running(ports.edge_url, signer, s3, cloudfront, distribution_id)
        finally:
            running_edge.stop()


def _create_distribution(cloudfront: Any, bucket: str) -> str:
    origin = {"Id": "a", "DomainName": f"{bucket}.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
    config = {
        "CallerReference": bucket,
        "Comment": "",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "a",
            "ViewerProtocolPolicy": "allow-all",
            "CachePolicyId": MANAGED_CACHING_OPTIMIZED,
        },
    }
    return str(cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"])


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_a_second_get_is_a_hit_that_still_serves_the_cached_bytes(running: Running) -> None:
    key = "artifacts/t/hit/latest.json"
    running.put(key, b'{"v":1}')
    status, headers, body = fetch(running.url(key))
    assert (status, headers["X-Cache"], body) == (200, MISS, b'{"v":1}')
    assert "Age" not in headers
    running.put(key, b'{"v":2}')  # the origin changes; nobody invalidates
    status, headers, body = fetch(running.url(key))
    assert (status, headers["X-Cache"], body) == (200, HIT, b'{"v":1}')
    assert int(headers["Age"]) >= 0
    assert headers["Content-Length"] == "7"


def test_an_invalidation_makes_the_next_get_a_miss(running: Running) -> None:
    exact, other = "artifacts/t/inv/latest.json", "artifacts/t/inv/1.0.0/r.zip"
    for key in (exact, other):
        running.put(key, b"old")
        fetch(running.url(key))
    running.put(exact, b"new")
    running.put(other, b"new")
    running.invalidate(f"/{exact}")
    status, headers, body = fetch(running.url(exact))
    assert (status, headers["X-Cache"], body) == (200, MISS, b"new")
    status, headers, body = fetch(running.url(other))
    assert (headers["X-Cache"], body) == (HIT, b"old")  # not covered by the exact path
    running.invalidate("/artifacts/t/inv/*")
    status, headers, body = fetch(running.url(other))
    assert (status, headers["X-Cache"], body) == (200, MISS, b"new")


def test_after_an_invalidation_the_new_copy_is_cached_again(running: Running) -> None:
    key = "artifacts/t/again/latest.json"
    running.put(key, b"old")
    fetch(running.url(key))
    running.put(key, b"new")
    running.invalidate(f"/{key}")
    assert fetch(running.url(key))[1]["X-Cache"] == MISS
    status, headers, body = fetch(running.url(key))
    assert (status, headers["X-Cache"], body) == (200, HIT, b"new")


def test_invalidations_beyond_the_first_listing_pages_are_applied(running: Running) -> None:
    key = "artifacts/t/many/latest.json"
    running.put(key, b"old")
    for n in range(230):  # more than two of the emulator's 100-item ListInvalidations pages
        running.invalidate(f"/artifacts/t/unrelated-{n}.json")
    fetch(running.url(key))
    assert fetch(running.url(key))[1]["X-Cache"] == HIT
    running.put(key, b"new")
    running.invalidate(f"/{key}")
    status, headers, body = fetch(running.url(key))
    assert (status, headers["X-Cache"], body) == (200, MISS, b"new")


def test_the_ttl_ends_a_cached_copy(running: Running) -> None:
    key = "artifacts/t/ttl/latest.json"
    running.put(key, b"old")
    fetch(running.url(key))
    running.put(key, b"new")
    assert fetch(running.url(key))[2] == b"old"
    time.sleep(TTL_S + 0.2)
    _, headers, body = fetch(running.url(key))
    assert (headers["X-Cache"], body) == (MISS, b"new")


def test_conditional_gets_are_answered_304_from_the_cache(running: Running) -> None:
    key = "artifacts/t/cond/latest.json"
    running.put(key, b"{}")
    _, headers, _ = fetch(running.url(key))
    status, answer, body = fetch(running.url(key), {"If-None-Match": headers["ETag"]})
    assert (status, answer["X-Cache"], body) == (304, HIT, b"")
    assert answer["ETag"] == headers["ETag"]
    status, _, _ = fetch(running.url(key), {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304
    status, _, body = fetch(running.url(key), {"If-None-Match": '"something-else"'})
    assert (status, body) == (200, b"{}")


def test_a_cached_object_is_never_served_unsigned(running: Running) -> None:
    key = "artifacts/t/unsigned/latest.json"
    running.put(key, b"secret")
    assert fetch(running.url(key))[0] == 200
    status, headers, body = fetch(f"{running.base}/{key}")
    assert status == 403
    assert b"secret" not in body
    assert "X-Cache" not in headers


def test_signed_cookies_are_accepted_on_hits_and_checked(running: Running) -> None:
    key = "artifacts/t/cookies/latest.json"
    running.put(key, b"c")
    params = dict(parse_qsl(urlsplit(running.url(key)).query))  # canned: Expires, Signature, Key-Pair-Id
    jar = SimpleCookie()
    for name, value in params.items():
        jar[f"CloudFront-{name}"] = value
    cookie = jar.output(attrs=[], header="", sep=";").strip()
    assert fetch(f"{running.base}/{key}", {"Cookie": cookie})[:3:2] == (200, b"c")
    status, headers, _ = fetch(f"{running.base}/{key}", {"Cookie": cookie})
    assert (status, headers["X-Cache"]) == (200, HIT)
    forged = cookie.replace(params["Signature"][:8], "AAAAAAAA")
    assert fetch(f"{running.base}/{key}", {"Cookie": forged})[0] == 403
    # A canned-policy cookie covers exactly the URL it was made for, not a neighbour.
    assert fetch(f"{running.base}/artifacts/t/cookies/other.json", {"Cookie": cookie})[0] == 403


def test_ranges_and_missing_objects_still_pass_through(running: Running) -> None:
    key = "artifacts/t/range/r.zip"
    running.put(key, b"0123456789")
    status, _, body = fetch(running.url(key), {"Range": "bytes=2-4"})
    assert (status, body) == (206, b"234")
    assert fetch(running.url("artifacts/t/range/missing.zip"))[0] == 404
