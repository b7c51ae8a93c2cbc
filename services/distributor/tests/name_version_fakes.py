"""In-memory :class:`~chalicelib.name_versions.NameVersions`, sharing the fake store's pointer rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from fakes import InMemoryDistributionStore

from chalicelib.name_versions import Mark, PointerRow, VersionEntry
from chalicelib.publication import Pointer


class InMemoryNameVersions:
    def __init__(self, store: InMemoryDistributionStore) -> None:
        self._store = store
        self.entries: dict[tuple[str, str, str], VersionEntry] = {}

    @staticmethod
    def _key(entry: VersionEntry) -> tuple[str, str, str]:
        return entry.tenant_id, entry.name, entry.recipe_id

    def record(self, entry: VersionEntry) -> VersionEntry:
        return self.entries.setdefault(self._key(entry), entry)

    def mark(self, entry: VersionEntry, withdrawn: bool, sequence: int) -> tuple[Mark, VersionEntry]:
        stored = self.entries.get(self._key(entry), entry)
        if stored.sequence >= sequence and self._key(entry) in self.entries:
            return (Mark.REPEATED if stored.sequence == sequence else Mark.SUPERSEDED), stored
        marked = replace(stored, withdrawn=withdrawn, sequence=sequence, applied_generation=None)
        self.entries[self._key(entry)] = marked
        return Mark.APPLIED, marked

    def note_applied(self, entry: VersionEntry, sequence: int, generation: int) -> None:
        stored = self.entries[self._key(entry)]
        if stored.sequence == sequence:
            self.entries[self._key(entry)] = replace(stored, applied_generation=generation)

    def versions(self, tenant_id: str, name: str) -> Sequence[VersionEntry]:
        return [e for (t, n, _), e in self.entries.items() if (t, n) == (tenant_id, name)]

    def pointer_row(self, tenant_id: str, name: str) -> PointerRow:
        key = (tenant_id, name)
        s = self._store
        return PointerRow(s.generations.get(key, 0), s.revisions.get(key, 0), s.pointers.get(key))

    def replace_pointer(self, tenant_id: str, name: str, expected: PointerRow, pointer: Pointer | None) -> bool:
        key = (tenant_id, name)
        s = self._store
        if s.revisions.get(key, 0) != expected.revision:
            return False
        s.generations[key] = expected.generation + 1
        s.revisions[key] = expected.revision + 1
        if pointer is None:
            s.pointers.pop(key, None)
        else:
            s.pointers[key] = pointer
        return True
