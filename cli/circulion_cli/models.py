"""The upload API's response bodies as pydantic models (issue 3's contract).

Models ignore fields they do not know, so the API can add fields without breaking
installed clients; what the client relies on is required.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

AWAITING_UPLOAD: Final = "AWAITING_UPLOAD"
DISTRIBUTED: Final = "DISTRIBUTED"
REJECTED: Final = "REJECTED"
FAILED: Final = "FAILED"
ABORTED: Final = "ABORTED"
WITHDRAWN: Final = "WITHDRAWN"
STATUSES: Final = (
    AWAITING_UPLOAD,
    "VALIDATING",
    "PROCESSING",
    "MERGING",
    "DISTRIBUTING",
    DISTRIBUTED,
    REJECTED,
    FAILED,
    ABORTED,
    WITHDRAWN,
)
UPLOADED: Final = frozenset({"VALIDATING", "PROCESSING", "MERGING", "DISTRIBUTING", DISTRIBUTED})
"""Statuses of a recipe whose bytes all arrived and are (being) processed."""
TERMINAL: Final = frozenset({DISTRIBUTED, REJECTED, FAILED, ABORTED, WITHDRAWN})
"""Statuses a recipe stays in unless someone acts: the customer uploads again, an admin
restores a ``WITHDRAWN`` version (the upload service's ``TERMINAL``)."""


class ApiModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class SinglePut(ApiModel):
    """Upload the whole file with one presigned PUT."""

    method: Literal["PUT"] = "PUT"
    url: str
    headers: dict[str, str] = Field(default_factory=dict)


class MultipartPlan(ApiModel):
    upload_id: str
    part_size: int = Field(gt=0)
    part_count: int = Field(gt=0)


class MultipartUpload(ApiModel):
    """Upload in parts through URLs from ``GET /recipes/{id}/parts``."""

    multipart: MultipartPlan


class CreatedRecipe(ApiModel):
    recipe_id: str
    status: str
    upload: MultipartUpload | SinglePut


class PartUrl(ApiModel):
    part_number: int = Field(ge=1)
    url: str
    headers: dict[str, str] = Field(default_factory=dict)


class PartUrls(ApiModel):
    parts: list[PartUrl]
    expires_at: datetime | None = None


class UploadedPart(ApiModel):
    part_number: int = Field(ge=1)
    etag: str


class RecipeProgress(ApiModel):
    chunks_total: int | None = None
    chunks_done: int = 0


class RecipeIssue(ApiModel):
    """One reason a recipe was rejected or failed (a ``ValidationIssue`` or a failure)."""

    code: str | None = Field(default=None, validation_alias=AliasChoices("code", "reason"))
    message: str = ""
    stage: str | None = None
    line: int | None = None
    byte_offset: int | None = None
    chunk_index: int | None = None
    step_id: int | None = None


class Recipe(ApiModel):
    """``GET /recipes/{id}``."""

    recipe_id: str
    name: str
    version: str
    status: str
    size: int | None = None
    sha256: str | None = None
    content_type: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    progress: RecipeProgress = Field(default_factory=RecipeProgress)
    errors: list[RecipeIssue] = Field(default_factory=list)
    artifact: dict[str, object] | None = None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


class RecipePage(ApiModel):
    """``GET /recipes``: one page, newest first, and the cursor of the next one."""

    items: list[Recipe] = Field(validation_alias=AliasChoices("items", "recipes"))
    next_cursor: str | None = Field(default=None, validation_alias=AliasChoices("next_cursor", "cursor"))


class DownloadLink(ApiModel):
    """``GET /recipes/{id}/download``: a signed CDN URL to the archive."""

    url: str
    expires_at: datetime | None = None
    sha256: str
    size: int


class ErrorBody(ApiModel):
    code: str = "unknown_error"
    message: str = ""
    details: object = None


class ErrorResponse(ApiModel):
    error: ErrorBody
