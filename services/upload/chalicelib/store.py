"""The ``recipes`` table behind a port: records, version claims, listing, status updates.

Items (hash ``pk``, range ``sk``):

* ``RECIPE#{id} / RECIPE`` — the recipe; ``gsi1pk = TENANT#{tenant}``,
  ``gsi1sk = {created_at}#{id}`` so ``gsi1`` lists a tenant's recipes newest first;
* ``NAME#{tenant}#{name} / VERSION#{version}`` — the claim that makes a version immutable,
  written in the same transaction as the recipe.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.errors import InvalidRequest
from chalicelib.projection import Change, Projected
from chalicelib.recipe import Recipe, Status
from circulion.contracts import Envelope


@dataclass(frozen=True)
class Page:
    recipes: list[Recipe]
    cursor: str | None


@dataclass(frozen=True)
class ListQuery:
    tenant_id: str
    limit: int
    status: Status | None = None
    name: str | None = None
    cursor: str | None = None


def recipe_pk(recipe_id: str) -> str:
    return f"RECIPE#{recipe_id}"


def tenant_pk(tenant_id: str) -> str:
    return f"TENANT#{tenant_id}"


def name_pk(tenant_id: str, name: str) -> str:
    return f"NAME#{tenant_id}#{name}"


def created_sk(recipe: Recipe) -> str:
    return f"{recipe.created_at.isoformat()}#{recipe.recipe_id}"


def encode_cursor(keys: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(keys, sort_keys=True).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, tenant_id: str) -> dict[str, str]:
    """The keys inside an opaque cursor; refuses junk and other tenants' cursors."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        keys = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidRequest("cursor is not one this API returned", code="invalid_cursor") from exc
    fields = ("pk", "sk", "gsi1pk", "gsi1sk")
    if (
        not isinstance(keys, dict)
        or set(keys) != set(fields)
        or not all(isinstance(keys[f], str) for f in fields)
        or keys["gsi1pk"] != tenant_pk(tenant_id)
    ):
        raise InvalidRequest("cursor is not one this API returned", code="invalid_cursor")
    return {f: keys[f] for f in fields}


class RecipeStore(Protocol):
    """Port: what the upload service does with its table.

    Conditional writes are the point: a version is claimed once, an upload is completed
    once, validation is claimed under a lease, and status changes are applied against the
    revision they were computed from.
    """

    def create(self, recipe: Recipe) -> None:
        """Store a new recipe and claim its version; ``VersionTaken`` if already claimed."""

    def versions(self, tenant_id: str, name: str) -> list[str]:
        """Every version claimed for a name."""

    def get(self, recipe_id: str) -> Recipe | None: ...

    def list(self, query: ListQuery) -> Page:
        """A tenant's recipes, newest first, filtered, one page."""

    def mark_upload_completed(self, recipe_id: str, now: datetime) -> None:
        """Record that the multipart upload was completed (idempotent); ``StoreConflict`` if an
        abort won the race (the recipe is ``ABORTED``)."""

    def abort(self, recipe: Recipe, now: datetime) -> bool:
        """``AWAITING_UPLOAD`` → ``ABORTED`` and release the version; ``False`` if not waiting."""

    def claim_validation(
        self, recipe_id: str, now: datetime, lease_until: datetime, *, failed_revision: int | None = None
    ) -> bool:
        """Move to ``VALIDATING`` under a lease; ``False`` if another validation holds it or
        the recipe is past validation. With ``failed_revision``, a ``FAILED`` recipe still at
        that revision may be claimed too (its validation failed and the record was redriven)."""

    def apply(self, recipe: Recipe, change: Change, now: datetime) -> None:
        """Write a projection change computed from ``recipe``; ``StoreConflict`` if the record
        changed since it was read."""

    def record_event(self, event: Envelope, now: datetime) -> Projected | None:
        """Project one lifecycle event onto its recipe's record (:mod:`chalicelib.projection`'s
        rules); ``None`` if the recipe is unknown (or another tenant's), or if the event's type
        changes no record (then nothing is read). Retries on a concurrent change itself;
        ``TransientError`` if the record kept changing."""

    def record_withdrawal(self, recipe: Recipe, now: datetime) -> None:
        """Write ``recipe``'s status and withdraw/restore fields, if the record is still at
        ``recipe.revision``; ``StoreConflict`` if it changed since it was read."""
