"""The edge cache's CloudFront semantics, without I/O: TTLs, invalidation matching, 304s, Age."""

from __future__ import annotations

import pytest

from circulion_local.edge_cache import (
    CACHING_DISABLED,
    CACHING_OPTIMIZED,
    CachedObject,
    CachePolicyTtls,
    EdgeCache,
    invalidation_matches,
    not_modified,
    ttl_for,
)
from circulion_local.edge_cookies import signing_cookies, url_to_verify

POLICY = CachePolicyTtls(min_ttl=5, default_ttl=60, max_ttl=600)
LAST_MODIFIED = "Tue, 01 Dec 2026 10:00:00 GMT"


def cached(ttl: float = 60, stored_at: float = 100.0, etag: str = '"abc"') -> CachedObject:
    return CachedObject(b"{}", {"ETag": etag, "Last-Modified": LAST_MODIFIED}, stored_at, ttl)


@pytest.mark.parametrize(
    ("cache_control", "expected"),
    [
        (None, 60),
        ("max-age=30", 30),
        ("public, max-age=30", 30),
        ("max-age=1", 5),  # below MinTTL
        ("max-age=9999", 600),  # above MaxTTL
        ("max-age=30, s-maxage=120", 120),  # s-maxage is for shared caches: it wins
        ("no-store", 5),
        ("private, max-age=300", 5),
        ('max-age="45"', 45),
        ("garbage", 60),
    ],
)
def test_ttl_follows_the_policy_and_cache_control(cache_control: str | None, expected: float) -> None:
    assert ttl_for(POLICY, cache_control) == expected


def test_managed_policies_and_a_lower_max_ttl() -> None:
    assert ttl_for(CACHING_OPTIMIZED, None) == 86_400
    assert ttl_for(CACHING_DISABLED, "max-age=60") == 0
    capped = CACHING_OPTIMIZED.capped(20)
    assert (capped.min_ttl, capped.default_ttl, capped.max_ttl) == (1, 20, 20)
    assert ttl_for(capped, "max-age=3600") == 20
    assert CACHING_OPTIMIZED.capped(None) is CACHING_OPTIMIZED


@pytest.mark.parametrize(
    ("invalidation", "path", "matches"),
    [
        ("/artifacts/acme/cell-a/latest.json", "/artifacts/acme/cell-a/latest.json", True),
        ("/artifacts/acme/cell-a/latest.json", "/artifacts/acme/cell-a/latest.jsonx", False),
        ("/artifacts/acme/cell-a/*", "/artifacts/acme/cell-a/1.0.0/r.zip", True),
        ("/artifacts/acme/cell-a*", "/artifacts/acme/cell-ab/latest.json", True),
        ("/artifacts/acme/cell-a/*", "/artifacts/acme/cell-b/latest.json", False),
        ("/*", "/anything", True),
        ("/artifacts/acme/a%20b/latest.json", "/artifacts/acme/a b/latest.json", True),
        ("/Artifacts/acme/cell-a/latest.json", "/artifacts/acme/cell-a/latest.json", False),  # case-sensitive
        ("/artifacts/*/latest.json", "/artifacts/acme/latest.json", False),  # * only at the end
    ],
)
def test_invalidation_matching(invalidation: str, path: str, matches: bool) -> None:
    assert invalidation_matches(invalidation, path) is matches


def test_lookup_honours_the_ttl_and_age_counts_from_the_fetch() -> None:
    cache = EdgeCache()
    assert cache.store("/p", cached(ttl=10, stored_at=100.0), cache.epoch)
    hit = cache.lookup("/p", 109.5)
    assert hit is not None
    assert hit.age(109.5) == 9
    assert cache.lookup("/p", 110.0) is None  # expired: dropped
    assert len(cache) == 0


def test_invalidation_drops_only_the_matching_paths() -> None:
    cache = EdgeCache()
    for path in ("/artifacts/t/a/latest.json", "/artifacts/t/a/1.0.0/r.zip", "/artifacts/t/b/latest.json"):
        cache.store(path, cached(), cache.epoch)
    assert cache.invalidate(["/artifacts/t/a/latest.json"]) == ["/artifacts/t/a/latest.json"]
    assert sorted(cache.invalidate(["/artifacts/t/*"])) == ["/artifacts/t/a/1.0.0/r.zip", "/artifacts/t/b/latest.json"]
    assert len(cache) == 0


def test_a_fetch_that_raced_an_invalidation_is_not_stored() -> None:
    cache = EdgeCache()
    epoch = cache.epoch  # the fetch begins: it may read the old pointer
    cache.invalidate(["/p"])  # the invalidation is applied while it runs
    assert not cache.store("/p", cached(), epoch)
    assert cache.lookup("/p", 100.0) is None
    assert cache.store("/p", cached(), cache.epoch)


def test_the_least_recently_used_objects_go_first_when_full() -> None:
    cache = EdgeCache(capacity_bytes=6)  # three 2-byte bodies
    for path in ("/a", "/b", "/c"):
        assert cache.store(path, cached(), cache.epoch)
    assert cache.lookup("/a", 100.0) is not None  # /a is now the most recently used
    cache.store("/d", cached(), cache.epoch)
    assert [p for p in ("/a", "/b", "/c", "/d") if cache.lookup(p, 100.0)] == ["/a", "/c", "/d"]
    assert not cache.store("/big", CachedObject(b"x" * 7, {}, 100.0, 60), cache.epoch)
    cache.store("/a", cached(), cache.epoch)  # replacing an entry does not count it twice
    assert len(cache) == 3


def test_a_zero_ttl_is_never_stored() -> None:
    cache = EdgeCache()
    assert not cache.store("/p", cached(ttl=0), cache.epoch)


@pytest.mark.parametrize(
    ("if_none_match", "if_modified_since", "expected"),
    [
        ('"abc"', None, True),
        ('"old", "abc"', None, True),
        ('W/"abc"', None, True),
        ("*", None, True),
        ('"old"', None, False),
        ('"old"', "Wed, 02 Dec 2026 10:00:00 GMT", False),  # If-None-Match decides alone
        (None, LAST_MODIFIED, True),
        (None, "Wed, 02 Dec 2026 10:00:00 GMT", True),
        (None, "Mon, 30 Nov 2026 10:00:00 GMT", False),
        (None, "not a date", False),
        (None, None, False),
    ],
)
def test_conditional_requests(if_none_match: str | None, if_modified_since: str | None, expected: bool) -> None:
    assert not_modified(cached(), if_none_match, if_modified_since) is expected


def test_signed_cookies_become_the_parameters_verified() -> None:
    cookie = "session=x; CloudFront-Policy=eyJ9; CloudFront-Signature=c2ln~; CloudFront-Key-Pair-Id=K1"
    assert signing_cookies(cookie) == {
        "CloudFront-Key-Pair-Id": "K1",
        "CloudFront-Policy": "eyJ9",
        "CloudFront-Signature": "c2ln~",
    }
    url = url_to_verify("http://edge/artifacts/t/a/latest.json", cookie)
    assert url == "http://edge/artifacts/t/a/latest.json?Key-Pair-Id=K1&Policy=eyJ9&Signature=c2ln~"
    assert signing_cookies("CloudFront-Expires=123; CloudFront-Signature=s")["CloudFront-Expires"] == "123"


def test_a_url_signature_wins_over_cookies_and_bad_cookies_sign_nothing() -> None:
    signed = "http://edge/k?Expires=1&Signature=s&Key-Pair-Id=K"
    assert url_to_verify(signed, "CloudFront-Policy=p; CloudFront-Signature=x; CloudFront-Key-Pair-Id=K") == signed
    assert url_to_verify("http://edge/k?a=1", None) == "http://edge/k?a=1"
    assert url_to_verify("http://edge/k", 'CloudFront-Policy="unterminated') == "http://edge/k"
