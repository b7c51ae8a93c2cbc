"""Which version of a name is live: the highest SemVer among its distributed, not withdrawn versions.

Pure: the name routes, the names summary and their tests share these rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.recipe import VERSION_PATTERN, Recipe, Status, version_key


@dataclass(frozen=True)
class LiveVersion:
    """What a robot needs to know about the live version of a name."""

    name: str
    version: str
    recipe_id: str
    sha256: str
    size: int
    published_at: datetime
    download_path: str


def precedence(version: str) -> tuple[int, int, int, str]:
    """Sort key: SemVer for ``MAJOR.MINOR.PATCH``; anything else sorts below every release."""
    if VERSION_PATTERN.match(version):
        return (*version_key(version), "")
    return (-1, -1, -1, version)


def newest_first(recipes: Iterable[Recipe]) -> list[Recipe]:
    return sorted(recipes, key=lambda r: precedence(r.version), reverse=True)


def is_live(recipe: Recipe) -> bool:
    """Distributed, reachable (it has a CDN path) and not withdrawn."""
    artifact = recipe.artifact
    return (
        recipe.status is Status.DISTRIBUTED
        and recipe.withdrawn is None
        and artifact is not None
        and bool(artifact.download_path)
    )


def live_version(recipes: Iterable[Recipe]) -> LiveVersion | None:
    """The live version among a name's recipes, or ``None`` when none is live."""
    for recipe in newest_first(recipes):
        if is_live(recipe):
            artifact = recipe.artifact
            assert artifact is not None and artifact.download_path  # is_live checked both
            return LiveVersion(
                name=recipe.name,
                version=recipe.version,
                recipe_id=recipe.recipe_id,
                sha256=artifact.sha256,
                size=artifact.size_bytes,
                published_at=recipe.distributed_at or recipe.updated_at,
                download_path=artifact.download_path,
            )
    return None


def etag_of(sha256: str) -> str:
    return f'"{sha256}"'


def matches_etag(if_none_match: str | None, sha256: str) -> bool:
    """Whether an ``If-None-Match`` header names this representation (RFC 9110 weak comparison)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag_of(sha256):
            return True
    return False
