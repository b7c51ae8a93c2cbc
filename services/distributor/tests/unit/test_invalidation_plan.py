"""Coalescing pointer paths: bounds, deduplication, deterministic caller references."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.invalidation import (
    PathClaim,
    caller_reference,
    month_of,
    plan_invalidations,
    retry_delay_seconds,
)


def claims(n: int, *, wild_every: int = 0) -> list[PathClaim]:
    out = []
    for i in range(n):
        path = f"/artifacts/t/name{i:05d}/latest.json"
        if wild_every and i % wild_every == 0:
            path = f"/artifacts/t/name{i:05d}/*"
        out.append(PathClaim(f"r{i}", "1.0.0", path))
    return out


def test_a_batch_becomes_one_request_with_every_path() -> None:
    requests = plan_invalidations(claims(10))
    assert len(requests) == 1
    assert len(requests[0].paths) == 10
    assert requests[0].recipe_ids == tuple(sorted(f"r{i}" for i in range(10)))


def test_shared_pointer_paths_are_invalidated_once() -> None:
    same = [PathClaim("a", "1.0.0", "/p/latest.json"), PathClaim("b", "1.1.0", "/p/latest.json")]
    (request,) = plan_invalidations(same)
    assert request.paths == ("/p/latest.json",)
    assert request.recipe_ids == ("a", "b")


def test_path_bound_splits_requests() -> None:
    requests = plan_invalidations(claims(7001))
    assert [len(r.paths) for r in requests] == [3000, 3000, 1001]
    assert sum(len(r.recipe_ids) for r in requests) == 7001


def test_wildcard_bound_splits_requests() -> None:
    requests = plan_invalidations(claims(40, wild_every=2), max_wildcards=15)
    assert all(sum(p.endswith("*") for p in r.paths) <= 15 for r in requests)
    assert sum(len(r.paths) for r in requests) == 40


def test_empty_batch_makes_no_request() -> None:
    assert plan_invalidations([]) == []


@given(st.lists(st.integers(0, 50), max_size=30), st.randoms())
def test_caller_reference_ignores_delivery_order(ids: list[int], rnd: random.Random) -> None:
    batch = [PathClaim(f"r{i}", "1.0.0", f"/artifacts/t/n{i}/latest.json") for i in ids]
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    assert plan_invalidations(batch) == plan_invalidations(shuffled)


def test_caller_reference_changes_with_content() -> None:
    base = caller_reference(["/a", "/b"], ["r1@1.0.0"])
    assert base == caller_reference(["/b", "/a"], ["r1@1.0.0"])
    assert base != caller_reference(["/a"], ["r1@1.0.0"])
    assert base != caller_reference(["/a", "/b"], ["r1@1.0.1"])
    assert len(base) <= 128  # CloudFront's limit on CallerReference


def test_month_and_backoff() -> None:
    assert month_of(datetime(2026, 1, 31, 23, 59, tzinfo=UTC)) == "2026-01"
    assert [retry_delay_seconds(n, 2, 60) for n in (1, 2, 3, 4, 5, 6, 50)] == [2, 4, 8, 16, 32, 60, 60]
