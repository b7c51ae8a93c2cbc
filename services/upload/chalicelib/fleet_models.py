"""Bodies and answers of the fleet routes: names, the live version, withdraw and restore."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from chalicelib.recipe import Status
from circulion.contracts import MAX_REASON_CHARS


class _Response(BaseModel):
    model_config = ConfigDict(frozen=True)


class WithdrawRecipe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: StrictStr = Field(min_length=1, max_length=MAX_REASON_CHARS, description="why, for the record")


class WithdrawalView(_Response):
    by: str
    at: datetime
    reason: str


class RestorationView(_Response):
    by: str
    at: datetime


class LiveView(_Response):
    version: str
    recipe_id: str
    sha256: str = Field(description="SHA-256 of the archive")
    size: int
    published_at: datetime


class VersionView(_Response):
    version: str
    recipe_id: str
    status: Status
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = Field(description="when it became DISTRIBUTED")
    sha256: str | None = Field(description="the archive's, once merged")
    size: int | None
    withdrawn: WithdrawalView | None = None


class NameView(_Response):
    name: str
    live: LiveView | None
    versions: list[VersionView] = Field(description="newest (highest SemVer) first")


class NameSummary(_Response):
    name: str
    live: LiveView | None


class NameList(_Response):
    names: list[NameSummary]
    cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")


class EdgeCredential(_Response):
    """A CloudFront custom policy over ``artifacts/{tenant}/{name}/*``."""

    pointer_url: str = Field(description="latest.json at the edge, credential appended")
    expires_at: datetime
    resource: str = Field(description="the policy's resource: every URL it grants matches it")
    query: str = Field(description="Policy=...&Signature=...&Key-Pair-Id=..., for any URL under resource")
    cookies: dict[str, str] = Field(description="the same credential as CloudFront signed cookies")


class Latest(_Response):
    name: str
    version: str
    recipe_id: str
    sha256: str
    size: int
    published_at: datetime
    url: str = Field(description="short-lived signed URL of the archive")
    edge: EdgeCredential
