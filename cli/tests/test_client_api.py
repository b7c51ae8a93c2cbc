"""The client's API calls: typed errors, waiting, listing, verified downloads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fake_api import FakeApi

from circulion_cli.client import CirculionClient
from circulion_cli.errors import (
    ChecksumMismatch,
    Conflict,
    ConnectionFailed,
    InvalidRequest,
    NotFound,
    Unauthorized,
    UploadRejected,
    WaitTimedOut,
)
from circulion_cli.issuer import dev_token
from circulion_cli.retry import RetryPolicy


def test_errors_are_typed_and_carry_the_api_code(fake: FakeApi, client: CirculionClient) -> None:
    with pytest.raises(NotFound) as missing:
        client.get("nope")
    assert (missing.value.code, missing.value.status) == ("not_found", 404)

    with pytest.raises(Unauthorized) as denied:
        CirculionClient(fake.url, "forged").get("nope")
    assert denied.value.code == "unauthorized"

    with pytest.raises(InvalidRequest) as invalid:
        client.create(name="x", size=0, sha256="0" * 64, content_type="application/json")
    assert invalid.value.code == "invalid_size"

    recipe = fake.add_recipe(name="arm", version="1", size=1, sha256="0" * 64, content_type="x", status="PROCESSING")
    with pytest.raises(Conflict) as early:
        client.download_link(recipe.recipe_id)
    assert early.value.code == "not_distributed"


def test_unreachable_api_is_retried_then_reported(sleeps: list[float]) -> None:
    client = CirculionClient("http://127.0.0.1:9", "t", retry=RetryPolicy(max_attempts=3, sleep=sleeps.append))
    with pytest.raises(ConnectionFailed, match=re.escape("GET http://127.0.0.1:9/recipes/x failed")):
        client.get("x")
    assert len(sleeps) == 2


def test_wait_follows_the_status_to_distributed(fake: FakeApi, client: CirculionClient) -> None:
    recipe = fake.add_recipe(name="arm", version="1", size=1, sha256="0" * 64, content_type="x", status="VALIDATING")
    recipe.after_complete = [
        {"status": "PROCESSING", "progress": {"chunks_total": 3, "chunks_done": 1}},
        {"status": "MERGING", "progress": {"chunks_total": 3, "chunks_done": 3}},
        {"status": "DISTRIBUTED"},
    ]
    seen: list[str] = []

    final = client.wait(recipe.recipe_id, on_update=lambda r: seen.append(r.status))

    assert final.status == "DISTRIBUTED"
    assert seen == ["PROCESSING", "MERGING", "DISTRIBUTED"]


def test_wait_raises_the_rejection_with_its_reasons(fake: FakeApi, client: CirculionClient) -> None:
    recipe = fake.add_recipe(name="arm", version="1", size=1, sha256="0" * 64, content_type="x", status="VALIDATING")
    recipe.after_complete = [{"status": "REJECTED", "errors": [{"code": "not_utf8", "message": "bad byte", "line": 3}]}]

    with pytest.raises(UploadRejected) as rejected:
        client.wait(recipe.recipe_id, raise_on_failure=True)

    assert rejected.value.details[0].code == "not_utf8"  # type: ignore[index]


def test_wait_gives_up_after_its_timeout(fake: FakeApi, client: CirculionClient) -> None:
    recipe = fake.add_recipe(name="arm", version="1", size=1, sha256="0" * 64, content_type="x", status="VALIDATING")
    ticks = iter(range(100))
    with pytest.raises(WaitTimedOut):
        client.wait(recipe.recipe_id, timeout_s=3, clock=lambda: float(next(ticks)))


def test_download_verifies_the_checksum(fake: FakeApi, client: CirculionClient, tmp_path: Path) -> None:
    recipe = fake.add_recipe(name="arm", version="1", size=1, sha256="0" * 64, content_type="x", status="DISTRIBUTED")
    dest = tmp_path / "out" / "arm.zip"

    link = client.download(recipe.recipe_id, dest)

    assert dest.read_bytes() == fake.archive
    assert link.size == len(fake.archive)

    fake.corrupt_download = True
    bad = tmp_path / "bad.zip"
    with pytest.raises(ChecksumMismatch):
        client.download(recipe.recipe_id, bad)
    assert list(tmp_path.glob("*bad.zip*")) == []  # no partial or unverified file left


def test_iter_recipes_follows_cursors(fake: FakeApi, client: CirculionClient) -> None:
    for i in range(5):
        fake.add_recipe(
            name=f"r{i}",
            version="1",
            size=1,
            sha256="0" * 64,
            content_type="x",
            created_at=f"2026-01-0{i + 1}T00:00:00",
        )

    names = [r.name for r in client.iter_recipes()]

    assert names == ["r4", "r3", "r2", "r1", "r0"]  # newest first, across three pages
    assert len(client.list().items) == 2


def test_dev_token_comes_from_the_issuer(fake: FakeApi) -> None:
    assert dev_token(fake.url, "acme") == "dev-acme"
