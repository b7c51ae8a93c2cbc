"""The fleet calls of :class:`~circulion_cli.client.CirculionClient` (names, live version,
withdraw, restore), kept apart from the upload calls."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import TypeVar

from pydantic import BaseModel

from circulion_cli.fleet_models import LatestVersion, NameDetails, NamePage, NameSummary
from circulion_cli.models import Recipe
from circulion_cli.transport import path_segment

M = TypeVar("M", bound=BaseModel)


class FleetCalls:
    """Mixed into ``CirculionClient``, whose ``_call`` sends, retries reads and parses."""

    def _call(self, method: str, path: str, model: type[M], *, body: object = None, retry: bool | None = None) -> M:
        raise NotImplementedError  # pragma: no cover - CirculionClient's

    def names(self, *, limit: int | None = None, cursor: str | None = None) -> NamePage:
        """One page of the tenant's recipe names (sorted), each with its live version."""
        params = {"limit": limit, "cursor": cursor}
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        return self._call("GET", "/names" + (f"?{query}" if query else ""), NamePage)

    def iter_names(self) -> Iterator[NameSummary]:
        """Every name, following cursors."""
        cursor: str | None = None
        while True:
            page = self.names(cursor=cursor)
            yield from page.items
            if not page.next_cursor or not page.items:
                return
            cursor = page.next_cursor

    def name(self, name: str) -> NameDetails:
        """``GET /names/{name}``: the live version and every version, newest first."""
        return self._call("GET", f"/names/{path_segment(name)}", NameDetails)

    def latest(self, name: str) -> LatestVersion:
        """The live version with its archive URL and an edge credential for polling.

        Raises ``NotFound`` (code ``no_live_version``) when nothing of ``name`` is live.
        """
        return self._call("GET", f"/names/{path_segment(name)}/latest", LatestVersion)

    def withdraw(self, recipe_id: str, reason: str) -> Recipe:
        """Take a distributed version out of circulation (admin); robots fall back."""
        path = f"/recipes/{path_segment(recipe_id)}/withdraw"
        return self._call("POST", path, Recipe, body={"reason": reason}, retry=True)

    def restore(self, recipe_id: str) -> Recipe:
        """Undo a withdrawal (admin)."""
        return self._call("POST", f"/recipes/{path_segment(recipe_id)}/restore", Recipe, body={}, retry=True)
