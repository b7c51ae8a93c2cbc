"""A request's input as models: the JSON body, and the query string of the routes that take one.

Both fail the same way, with :class:`InvalidRequest` and pydantic's problems as details
(without the input echoed back).
"""

from __future__ import annotations

import json
from typing import TypeVar

from chalice.app import Request
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from chalicelib import views
from chalicelib.errors import InvalidRequest
from chalicelib.recipe import Status

B = TypeVar("B", bound=BaseModel)
Q = TypeVar("Q", bound=BaseModel)


def parse_body(request: Request, model: type[B]) -> B:
    raw = request.raw_body or b""
    if not raw.strip():
        raise InvalidRequest("a JSON body is required", code="invalid_json")
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"the body is not valid JSON: {exc}", code="invalid_json") from exc
    except RecursionError as exc:  # "[[[[..." 100,000 deep: json.loads raises this, not ValueError
        raise InvalidRequest("the body is nested too deeply", code="invalid_json") from exc
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise InvalidRequest(
            "the body does not match the schema", code="validation_failed", details=views.validation_details(exc)
        ) from exc


def parse_query(cls: type[Q], params: dict[str, str]) -> Q:
    try:
        return cls.model_validate(params)
    except ValidationError as exc:
        raise InvalidRequest("invalid query parameters", details=views.validation_details(exc)) from exc


class ListParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Status | None = None
    name: StrictStr | None = Field(default=None, max_length=128)
    limit: int = Field(default=20, ge=1, le=100)
    cursor: StrictStr | None = Field(default=None, max_length=2048)


class PartParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    first: int = Field(default=1, ge=1, le=10_000)
    count: int = Field(default=100, ge=1, le=1000)


class NameListParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(default=20, ge=1, le=100)
    cursor: StrictStr | None = Field(default=None, max_length=2048)
