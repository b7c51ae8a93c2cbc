"""The ``latest`` pointer of a recipe name: what it says and when it may move.

Archives live under immutable, versioned keys and are never invalidated; the one mutable
object per ``(tenant, name)`` is ``artifacts/{tenant}/{name}/latest.json``. It moves only
forward in (generation, version) order: a withdrawal or restore starts a new generation.
Its authority is a row in the distribution table (updated conditionally on the generation
and the version's order key); the S3 object is a copy written from that row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.versions import order_key
from circulion import artifact_paths
from circulion.cdn_signing import cdn_path
from circulion.contracts.events import RecipeMerged

POINTER_NAME = artifact_paths.POINTER_NAME


class PointerMove(enum.Enum):
    """What publishing a version did to its name's pointer."""

    MOVED = "moved"
    """The pointer now names this recipe (it was absent or older)."""
    CURRENT = "current"
    """The pointer already named this recipe: a re-publication, nothing changes."""
    STALE = "stale"
    """A newer (or conflicting same-rank) version holds the pointer; it stays there."""
    REGENERATED = "regenerated"
    """A withdrawal or restore started a newer generation since the candidate was built."""


@dataclass(frozen=True)
class Pointer:
    """The content of ``latest.json`` plus the order key the table compares."""

    tenant_id: str
    name: str
    version: str
    order_key: str
    recipe_id: str
    key: str
    sha256: str
    size: int
    published_at: str
    generation: int = 0
    """Grows with each withdrawal or restore of the name: the pointer moves forward in
    (generation, version), so a candidate built before a withdrawal can never win after it."""

    @property
    def object_key(self) -> str:
        return pointer_key(self.tenant_id, self.name)

    @property
    def path(self) -> str:
        """The CDN path of the pointer, the only thing ever invalidated."""
        return cdn_path(self.object_key)

    def document(self) -> dict[str, Any]:
        """The JSON robots and customers read at the pointer's path."""
        return {
            "name": self.name,
            "version": self.version,
            "recipe_id": self.recipe_id,
            "key": self.key,
            "path": cdn_path(self.key),
            "sha256": self.sha256,
            "size": self.size,
            "published_at": self.published_at,
            "generation": self.generation,
        }


def pointer_key(tenant_id: str, name: str) -> str:
    """``artifacts/{tenant}/{name}/latest.json``, beside the name's versioned archives."""
    return artifact_paths.pointer_key(tenant_id, name)


def candidate_pointer(message: RecipeMerged, now: datetime, generation: int = 0) -> Pointer:
    """The pointer this merged recipe would set; raises ``UnorderableVersion``."""
    recipe = message.payload.recipe
    artifact = message.payload.artifact
    return Pointer(
        tenant_id=message.tenant_id,
        name=recipe.name,
        version=recipe.version,
        order_key=order_key(recipe.version),
        recipe_id=message.recipe_id,
        key=artifact.key,
        sha256=artifact.sha256,
        size=artifact.size_bytes,
        published_at=now.isoformat(timespec="seconds"),
        generation=generation,
    )


def classify(candidate: Pointer, current: Pointer | None) -> PointerMove:
    """Whether ``candidate`` may replace ``current`` (the rule the table's condition encodes).

    Equal order keys never replace each other: versions are immutable, so the same rank
    is either this very recipe (a re-publication) or a conflicting spelling (``1`` vs
    ``1.0.0``) that must not win by arriving later.
    """
    if current is not None and current.generation != candidate.generation:
        return PointerMove.REGENERATED
    if current is None or current.order_key < candidate.order_key:
        return PointerMove.MOVED
    if current.order_key == candidate.order_key and current.recipe_id == candidate.recipe_id:
        return PointerMove.CURRENT
    return PointerMove.STALE
