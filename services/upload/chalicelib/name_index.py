"""The upload service's index of recipe names: port, page shapes and the summary it keeps.

The recipes table already holds every version (the version claims) and each version's
status as projected from the lifecycle events; what it cannot answer cheaply is "which
names does this tenant have". The index keeps one row per (tenant, name) with a summary of
its live version, refreshed by the status projection whenever a version becomes
distributed, is withdrawn or is restored. ``GET /names/{name}`` and ``/latest`` never use
the summary: they compute the live version from the versions themselves.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.errors import InvalidRequest
from chalicelib.live import LiveVersion
from chalicelib.recipe import Recipe
from chalicelib.store import encode_cursor


@dataclass(frozen=True)
class NameEntry:
    name: str
    live: LiveVersion | None


@dataclass(frozen=True)
class NamePage:
    names: list[NameEntry]
    cursor: str | None


class NameIndex(Protocol):
    """Port: a tenant's names and the recipes of one name."""

    def recipes_of(self, tenant_id: str, name: str) -> list[Recipe]:
        """Every recipe holding a version of the name (aborted uploads released theirs)."""

    def note(self, tenant_id: str, name: str) -> None:
        """Make sure the name is listed (idempotent; keeps its summary)."""

    def set_live(self, tenant_id: str, name: str, live: LiveVersion | None) -> None:
        """Replace the name's live-version summary (listing it if it was not)."""

    def summary(self, tenant_id: str, name: str) -> NameEntry | None: ...

    def list(self, tenant_id: str, limit: int, cursor: str | None) -> NamePage:
        """The tenant's names in name order, one page; ``cursor`` from the previous page."""


def names_pk(tenant_id: str) -> str:
    return f"NAMES#{tenant_id}"


def name_cursor(tenant_id: str, last_name: str) -> str:
    return encode_cursor({"pk": names_pk(tenant_id), "sk": last_name})


def after_name(cursor: str, tenant_id: str) -> str:
    """The last name of the previous page; refuses junk and other tenants' cursors."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        keys = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidRequest("cursor is not one this API returned", code="invalid_cursor") from exc
    if not isinstance(keys, dict) or keys.get("pk") != names_pk(tenant_id) or not isinstance(keys.get("sk"), str):
        raise InvalidRequest("cursor is not one this API returned", code="invalid_cursor")
    return str(keys["sk"])


def live_to_json(live: LiveVersion | None) -> str | None:
    if live is None:
        return None
    return json.dumps({**live.__dict__, "published_at": live.published_at.isoformat()})


def live_from_json(raw: object) -> LiveVersion | None:
    if not raw:
        return None
    d = json.loads(str(raw))
    return LiveVersion(**{**d, "published_at": datetime.fromisoformat(d["published_at"])})
