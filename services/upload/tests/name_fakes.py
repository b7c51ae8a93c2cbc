"""In-memory :class:`NameIndex` over the in-memory recipe store, and the command outbox."""

from __future__ import annotations

from datetime import datetime

from chalicelib.live import LiveVersion
from chalicelib.name_index import NameEntry, NameIndex, NamePage, after_name, name_cursor
from chalicelib.outbox import CommandOutbox, PendingCommand
from chalicelib.recipe import Recipe
from tests.fakes import InMemoryRecipeStore


class InMemoryNameIndex(NameIndex):
    def __init__(self, store: InMemoryRecipeStore) -> None:
        self._store = store
        self.rows: dict[tuple[str, str], LiveVersion | None] = {}

    def recipes_of(self, tenant_id: str, name: str) -> list[Recipe]:
        ids = [rid for (t, n, _), rid in self._store.claims.items() if t == tenant_id and n == name]
        found = (self._store.get(i) for i in ids)
        return [r for r in found if r is not None]

    def note(self, tenant_id: str, name: str) -> None:
        self.rows.setdefault((tenant_id, name), None)

    def set_live(self, tenant_id: str, name: str, live: LiveVersion | None) -> None:
        self.rows[(tenant_id, name)] = live

    def summary(self, tenant_id: str, name: str) -> NameEntry | None:
        if (tenant_id, name) not in self.rows:
            return None
        return NameEntry(name, self.rows[(tenant_id, name)])

    def list(self, tenant_id: str, limit: int, cursor: str | None) -> NamePage:
        names = sorted(n for (t, n) in self.rows if t == tenant_id)
        if cursor:
            after = after_name(cursor, tenant_id)
            names = [n for n in names if n > after]
        page = names[:limit]
        entries = [NameEntry(n, self.rows[(tenant_id, n)]) for n in page]
        return NamePage(entries, name_cursor(tenant_id, page[-1]) if len(names) > limit else None)


class InMemoryCommandOutbox(CommandOutbox):
    def __init__(self) -> None:
        self.pending: dict[str, PendingCommand] = {}

    def note(self, command: PendingCommand) -> None:
        self.pending[command.recipe_id] = command

    def due(self, now: datetime, limit: int) -> list[PendingCommand]:
        return [c for c in self.pending.values() if c.due_at <= now][:limit]

    def settle(self, recipe_id: str, sequence: int) -> None:
        if recipe_id in self.pending and self.pending[recipe_id].sequence == sequence:
            del self.pending[recipe_id]
