"""Every version a name has had, and what the pointer should say given them (the rules pure).

The pointer alone cannot be moved *back*: after a withdrawal the distributor must know
which other versions of the name exist and which of them are withdrawn. Each
``recipe.merged`` records its version here before it touches the pointer; each
withdraw/restore command flips its version's ``withdrawn`` flag (only if its ``sequence``
is newer than the last one applied to that version) and then recomputes the pointer from
the set, starting a new generation.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.publication import Pointer
from chalicelib.versions import order_key
from circulion.contracts.events import RecipeMerged


@dataclass(frozen=True)
class VersionEntry:
    """One version of a name, as the distributor knows it."""

    tenant_id: str
    name: str
    recipe_id: str
    version: str
    order_key: str
    key: str
    sha256: str
    size: int
    published_at: str
    withdrawn: bool = False
    sequence: int = 0
    """The last withdraw/restore request applied to this version (0: none)."""
    applied_generation: int | None = None
    """The pointer generation the request of ``sequence`` produced, once it did."""

    def pointer(self, generation: int) -> Pointer:
        return Pointer(
            tenant_id=self.tenant_id,
            name=self.name,
            version=self.version,
            order_key=self.order_key,
            recipe_id=self.recipe_id,
            key=self.key,
            sha256=self.sha256,
            size=self.size,
            published_at=self.published_at,
            generation=generation,
        )


class Mark(enum.Enum):
    """What a withdraw/restore command did to its version's entry."""

    APPLIED = "applied"
    REPEATED = "repeated"
    """Its sequence was already applied: a redelivery; finish the remaining steps."""
    SUPERSEDED = "superseded"
    """A newer request of this recipe was applied: this late one must change nothing."""


@dataclass(frozen=True)
class PointerRow:
    """The pointer row's concurrency facts: who may write next."""

    generation: int
    revision: int
    pointer: Pointer | None


def entry_of(message: RecipeMerged, now: datetime) -> VersionEntry:
    recipe, artifact = message.payload.recipe, message.payload.artifact
    return VersionEntry(
        tenant_id=message.tenant_id,
        name=recipe.name,
        recipe_id=message.recipe_id,
        version=recipe.version,
        order_key=order_key(recipe.version),
        key=artifact.key,
        sha256=artifact.sha256,
        size=artifact.size_bytes,
        published_at=now.isoformat(timespec="seconds"),
    )


def best_live(entries: Iterable[VersionEntry]) -> VersionEntry | None:
    """The highest version not withdrawn; equal ranks resolve by recipe id, so every run agrees."""
    live = [e for e in entries if not e.withdrawn]
    return max(live, key=lambda e: (e.order_key, e.recipe_id), default=None)


class NameVersions(Protocol):
    """Port: the versions of each name and the pointer row's conditional replacement."""

    def record(self, entry: VersionEntry) -> VersionEntry:
        """Store the entry unless it exists; return what is stored (its ``withdrawn`` flag counts)."""
        ...

    def mark(self, entry: VersionEntry, withdrawn: bool, sequence: int) -> tuple[Mark, VersionEntry]:
        """Set ``withdrawn`` if ``sequence`` is newer than the entry's (creating it if missing)."""
        ...

    def note_applied(self, entry: VersionEntry, sequence: int, generation: int) -> None:
        """Remember the generation the request ``sequence`` produced (only while it is the entry's)."""
        ...

    def versions(self, tenant_id: str, name: str) -> Sequence[VersionEntry]: ...

    def pointer_row(self, tenant_id: str, name: str) -> PointerRow: ...

    def replace_pointer(self, tenant_id: str, name: str, expected: PointerRow, pointer: Pointer | None) -> bool:
        """Write ``pointer`` (``None``: empty it) at ``expected.generation + 1`` if the row is still
        at ``expected.revision``; ``False`` if another writer got there first."""
        ...
