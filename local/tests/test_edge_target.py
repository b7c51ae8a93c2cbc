"""The edge's one reading of a request target: what is verified is exactly what is served."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circulion.cdn_signing import MalformedSignedUrl, cdn_path
from circulion_local.edge_target import resolve_target

BASE = "http://127.0.0.1:8180"
SEGMENT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda s: "/" not in s and s not in (".", "..") and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in s)
)


def test_a_canonical_target_names_its_key_on_the_edges_own_base() -> None:
    target = resolve_target("/artifacts/acme/arm/1.0.0/r%201.zip?Expires=1&Signature=x&Key-Pair-Id=K", BASE + "/")
    assert target.key == "artifacts/acme/arm/1.0.0/r 1.zip"
    assert target.url == BASE + "/artifacts/acme/arm/1.0.0/r%201.zip?Expires=1&Signature=x&Key-Pair-Id=K"


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:8180/artifacts/a.zip",
        "artifacts/a.zip",
        "//evil.example/artifacts/a.zip",
        "*",
        "/artifacts/a.zip#frag",
        "/artifacts/a.zip?x=1#frag",
        "/artifacts%2Fa.zip",
        "/artifacts/%61.zip",
        "/artifacts/../secret.zip",
        "/artifacts/..%2Fsecret.zip",
        "/artifacts/%2e%2e/secret.zip",
        "/artifacts/./a.zip",
        "/artifacts//a.zip",
        "/artifacts/",
        "/",
        "/artifacts/a.zip%00",
        "/artifacts/a.zip%0A",
        "/artifacts/a\x00.zip",
        "/artifacts/a b.zip",
        "/artifacts/%ff.zip",
        "/artifacts/%2f.zip",
    ],
)
def test_targets_read_two_ways_are_refused(target: str) -> None:
    with pytest.raises(MalformedSignedUrl):
        resolve_target(target, BASE)


@given(st.lists(SEGMENT, min_size=1, max_size=6), st.text(max_size=30).map(lambda q: q.replace("#", "")))
def test_the_key_served_is_the_path_verified(segments: list[str], query: str) -> None:
    key = "/".join(segments)
    target = cdn_path(key) + "?" + "".join(c for c in query if 0x21 <= ord(c) < 0x7F)
    resolved = resolve_target(target, BASE)
    assert resolved.key == key
    assert resolved.url == BASE + target


@given(st.text(max_size=60))
def test_whatever_is_accepted_serves_exactly_the_verified_path(target: str) -> None:
    try:
        resolved = resolve_target("/" + target, BASE)
    except MalformedSignedUrl:
        return
    assert resolved.url.split("?")[0] == BASE + cdn_path(resolved.key)
