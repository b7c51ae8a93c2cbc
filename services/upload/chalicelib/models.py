"""The API's request and response bodies; the OpenAPI document is generated from them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from chalicelib.fleet_models import RestorationView, WithdrawalView
from chalicelib.recipe import VERSION_PATTERN, Status, file_name_problem, name_problem
from circulion.identifiers import SHA256_HEX, field_pattern

ContentType = Literal["application/json", "application/x-ndjson", "application/octet-stream"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Response(BaseModel):
    model_config = ConfigDict(frozen=True)


class CreateRecipe(Request):
    """``POST /recipes``: declare a file before sending it."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=128, examples=["screw-removal"])]
    version: Annotated[
        StrictStr | None,
        Field(
            default=None,
            pattern=field_pattern(VERSION_PATTERN.pattern),
            description=(
                "MAJOR.MINOR.PATCH; omitted: the one after the name's highest. A version is taken while its "
                "upload is in flight, DISTRIBUTED or FAILED; a REJECTED or ABORTED upload gives it back."
            ),
            examples=["1.2.0"],
        ),
    ] = None
    size: Annotated[StrictInt, Field(gt=0, description="bytes")]
    sha256: Annotated[StrictStr, Field(pattern=field_pattern(SHA256_HEX))]
    content_type: ContentType
    file_name: Annotated[
        StrictStr | None,
        Field(
            default=None,
            min_length=1,
            max_length=255,
            description="the file's own name (no directory), kept as the file's name inside the archive",
            examples=["arm.ndjson"],
        ),
    ] = None

    @field_validator("file_name")
    @classmethod
    def _plain_file_name(cls, value: str | None) -> str | None:
        problem = None if value is None else file_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("name")
    @classmethod
    def _name_rules(cls, value: str) -> str:
        problem = name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("sha256")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class PartEtag(Request):
    part_number: Annotated[StrictInt, Field(ge=1, le=10_000)]
    etag: Annotated[StrictStr, Field(min_length=1, max_length=256)]


class CompleteUpload(Request):
    """``POST /recipes/{id}/complete``: every part, in order, with the ETag S3 returned."""

    parts: Annotated[list[PartEtag], Field(min_length=1, max_length=10_000)]


class SinglePutUpload(Response):
    method: Literal["PUT"] = "PUT"
    url: str
    headers: dict[str, str]
    expires_at: datetime


class MultipartInfo(Response):
    upload_id: str
    part_size: int
    part_count: int


class MultipartUpload(Response):
    multipart: MultipartInfo


class RecipeCreated(Response):
    recipe_id: str
    name: str
    version: str
    status: Status
    upload: SinglePutUpload | MultipartUpload


class PartUrl(Response):
    part_number: int
    method: Literal["PUT"] = "PUT"
    url: str
    headers: dict[str, str]


class PartUrls(Response):
    parts: list[PartUrl]
    expires_at: datetime


class Progress(Response):
    chunks_total: int | None
    chunks_done: int


class ArtifactView(Response):
    size: int
    sha256: str
    download_path: str | None = None


class RecipeView(Response):
    recipe_id: str
    name: str
    version: str
    status: Status
    size: int
    sha256: str
    content_type: str
    created_at: datetime
    updated_at: datetime
    progress: Progress
    errors: list[dict[str, Any]]
    artifact: ArtifactView | None = None
    withdrawn: WithdrawalView | None = None
    restored: RestorationView | None = None


class RecipeList(Response):
    recipes: list[RecipeView]
    cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")


class Download(Response):
    url: str
    expires_at: datetime
    sha256: str
    size: int


class Health(Response):
    status: Literal["ok"] = "ok"


class ErrorDetail(Response):
    code: str
    message: str
    details: Any = None


class ErrorBody(Response):
    """Every 4xx/5xx the API returns."""

    error: ErrorDetail
