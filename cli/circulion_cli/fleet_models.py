"""The fleet routes' bodies (``/names``, ``latest``, withdraw/restore) and the edge pointer.

Shapes as docs/FLEET.md gives them; unknown fields are ignored like the other models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, model_validator

from circulion_cli.models import ApiModel


class LiveVersion(ApiModel):
    """The version robots get for a name: the highest distributed, not withdrawn one."""

    version: str
    recipe_id: str
    sha256: str
    size: int
    published_at: datetime | None = None


class NameSummary(ApiModel):
    name: str
    live: LiveVersion | None = None


class NamePage(ApiModel):
    """``GET /names``: one page of the tenant's names, sorted, and the next cursor."""

    items: list[NameSummary] = Field(validation_alias=AliasChoices("names", "items"))
    next_cursor: str | None = Field(default=None, validation_alias=AliasChoices("cursor", "next_cursor"))


class Withdrawal(ApiModel):
    by: str
    at: datetime
    reason: str


class NameVersion(ApiModel):
    """One version of a name, whatever its status (withdrawn ones say who, when and why)."""

    version: str
    recipe_id: str
    status: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    published_at: datetime | None = None
    sha256: str | None = None
    size: int | None = None
    withdrawn: Withdrawal | None = None


class NameDetails(ApiModel):
    """``GET /names/{name}``: the live version and every version, newest first."""

    name: str
    live: LiveVersion | None = None
    versions: list[NameVersion] = Field(default_factory=list)


class EdgeCredential(ApiModel):
    """A CloudFront custom policy over ``artifacts/{tenant}/{name}/*``, until ``expires_at``."""

    pointer_url: str
    expires_at: datetime
    query: str | None = None
    cookies: dict[str, str] = Field(default_factory=dict)

    def signing_query(self) -> str:
        """The query to append to any URL the policy covers (the pointer's own, if not given)."""
        return self.query or urlsplit(self.pointer_url).query

    def url_of(self, path: str) -> str:
        """The signed edge URL of a CDN ``path`` (``/artifacts/...``) on the pointer's host."""
        parts = urlsplit(self.pointer_url)
        return urlunsplit((parts.scheme, parts.netloc, path, self.signing_query(), ""))


class LatestVersion(ApiModel):
    """``GET /names/{name}/latest``: the live version, its archive URL and the edge credential."""

    name: str
    version: str
    recipe_id: str
    sha256: str
    size: int
    published_at: datetime | None = None
    url: str
    edge: EdgeCredential


class Pointer(ApiModel):
    """The edge's ``latest.json`` of a name: which archive is live."""

    version: str
    recipe_id: str
    sha256: str
    size: int
    key: str | None = None
    path: str | None = None
    generation: int = 0

    @model_validator(mode="after")
    def _names_the_archive(self) -> Self:
        if not self.path and not self.key:
            raise ValueError("the pointer names neither a path nor a key")
        return self

    @property
    def cdn_path(self) -> str:
        """The archive's path at the edge (``path``, else built from the object ``key``)."""
        return self.path or "/" + (self.key or "").lstrip("/")
