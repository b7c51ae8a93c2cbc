"""The live version: highest SemVer among distributed, not withdrawn versions; ETag matching."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from chalicelib.live import live_version, matches_etag, newest_first
from chalicelib.recipe import Artifact, Recipe, Status, Withdrawal

T = datetime(2026, 12, 1, tzinfo=UTC)


def recipe(version: str, status: Status = Status.DISTRIBUTED, **fields: object) -> Recipe:
    return Recipe(
        recipe_id=f"id-{version}",
        tenant_id="acme",
        name="cell-a",
        version=version,
        content_type="application/json",
        size=2,
        sha256="0" * 64,
        status=status,
        created_at=T,
        updated_at=T,
        bucket="b",
        key="k",
        artifact=Artifact("a", f"artifacts/acme/cell-a/{version}/x.zip", 10, version[0] * 64, f"/a/{version}"),
        **fields,  # type: ignore[arg-type]
    )


def test_semver_not_string_order() -> None:
    live = live_version([recipe("1.9.0"), recipe("1.10.0"), recipe("1.2.0")])
    assert live is not None and live.version == "1.10.0"


def test_only_distributed_versions_count() -> None:
    live = live_version([recipe("1.0.0"), recipe("2.0.0", Status.DISTRIBUTING), recipe("3.0.0", Status.FAILED)])
    assert live is not None and live.version == "1.0.0"


def test_withdrawn_versions_never_are_live() -> None:
    withdrawn = recipe("2.0.0", Status.WITHDRAWN, withdrawn=Withdrawal("ops", T, "bad"))
    live = live_version([recipe("1.0.0"), withdrawn])
    assert live is not None and live.version == "1.0.0"
    assert live_version([withdrawn]) is None


def test_a_distributed_version_without_a_cdn_path_is_not_live() -> None:
    r = recipe("1.0.0")
    assert live_version([replace(r, artifact=replace(r.artifact, download_path=None))]) is None  # type: ignore[type-var]


def test_published_at_is_when_it_was_distributed() -> None:
    at = datetime(2026, 12, 2, tzinfo=UTC)
    live = live_version([recipe("1.0.0", distributed_at=at)])
    assert live is not None and live.published_at == at


def test_newest_first() -> None:
    assert [r.version for r in newest_first([recipe("1.0.0"), recipe("10.0.0"), recipe("2.0.0")])] == [
        "10.0.0",
        "2.0.0",
        "1.0.0",
    ]


def test_if_none_match() -> None:
    sha = "a" * 64
    assert matches_etag(f'"{sha}"', sha)
    assert matches_etag(f'W/"{sha}"', sha)
    assert matches_etag(f'"x", "{sha}"', sha)
    assert matches_etag("*", sha)
    assert not matches_etag('"b"', sha)
    assert not matches_etag(None, sha)
