"""The OpenAPI 3.1 document of the API, generated from the pydantic models."""

from __future__ import annotations

import functools
import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib import openapi_fleet, recipe_schemas
from chalicelib.models import (
    CompleteUpload,
    CreateRecipe,
    Download,
    ErrorBody,
    Health,
    PartUrls,
    RecipeCreated,
    RecipeList,
    RecipeView,
)
from chalicelib.recipe import NAME_PATTERN, Status
from chalicelib.settings import MIB, UploadSettings
from circulion.identifiers import field_pattern

REF = "#/components/schemas/{model}"
_ERRORS = {
    "400": "invalid request",
    "401": "missing, expired or invalid token",
    "403": "the token's role does not allow this (code forbidden)",
    "404": "no such recipe for this tenant",
    "409": "the recipe's state does not allow this",
    "405": "the path does not take this method (the Allow header lists those it takes)",
    "413": "the declared size is above the limit (details in the message)",
    "415": "the body is not application/json",
    "410": "the recipe was withdrawn (code withdrawn)",
}
_WITH_BODY = ("415",)
"""Errors every operation with a JSON request body may return on top of its own."""


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": _ref(model)}}}


def _op(
    op_id: str,
    summary: str,
    ok: type[BaseModel],
    *,
    status: str = "200",
    body: type[BaseModel] | None = None,
    params: list[dict[str, Any]] | None = None,
    auth: bool = True,
    errors: tuple[str, ...] = ("400", "401", "404"),
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": op_id,
        "summary": summary,
        "responses": {status: {"description": "success", **_json(ok)}},
    }
    for code in (*errors, "405", *(_WITH_BODY if body is not None else ())) if auth else ():
        op["responses"][code] = {"description": _ERRORS[code], **_json(ErrorBody)}
    if not auth:
        op["security"] = []
    if body is not None:
        op["requestBody"] = {"required": True, **_json(body)}
    if params:
        op["parameters"] = params
    return op


def _path_id() -> dict[str, Any]:
    return {"name": "recipe_id", "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


@functools.cache
def document() -> str:
    """The document as JSON text (built once per process)."""
    models: list[type[BaseModel]] = [
        CreateRecipe,
        CompleteUpload,
        RecipeCreated,
        RecipeView,
        RecipeList,
        PartUrls,
        Download,
        Health,
        ErrorBody,
        *openapi_fleet.MODELS,
    ]
    _, schemas = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    list_params = [
        _query("status", {"type": "string", "enum": [s.value for s in Status]}),
        _query("name", {"type": "string", "maxLength": 128}),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
        _query("cursor", {"type": "string"}),
    ]
    part_params = [
        _query("first", {"type": "integer", "minimum": 1}),
        _query("count", {"type": "integer", "minimum": 1, "maximum": 100}),
    ]
    conflict = ("400", "401", "404", "409")
    paths = {
        "/health": {"get": _op("health", "liveness", Health, auth=False)},
        "/recipes": {
            "post": _op(
                "createRecipe",
                "declare a recipe and get upload URLs",
                RecipeCreated,
                status="201",
                body=CreateRecipe,
                errors=("400", "401", "409", "413"),
            ),
            "get": _op(
                "listRecipes",
                "the tenant's recipes, newest first",
                RecipeList,
                params=list_params,
                errors=("400", "401"),
            ),
        },
        "/recipes/{recipe_id}": {"get": _op("getRecipe", "one recipe", RecipeView, params=[_path_id()])},
        "/recipes/{recipe_id}/parts": {
            "get": _op(
                "getPartUrls", "presigned part URLs", PartUrls, params=[_path_id(), *part_params], errors=conflict
            )
        },
        "/recipes/{recipe_id}/complete": {
            "post": _op(
                "completeUpload",
                "complete a multipart upload",
                RecipeView,
                body=CompleteUpload,
                params=[_path_id()],
                errors=conflict,
            )
        },
        "/recipes/{recipe_id}/abort": {
            "post": _op("abortUpload", "cancel an unfinished upload", RecipeView, params=[_path_id()], errors=conflict)
        },
        "/recipes/{recipe_id}/download": {
            "get": _op(
                "getDownload", "a signed URL to the distributed archive", Download, params=[_path_id()], errors=conflict
            )
        },
    }
    _document_limits(schemas["$defs"]["CreateRecipe"]["properties"])
    paths.update(openapi_fleet.paths(_op, _query, RecipeView))
    openapi_fleet.document_roles(paths, {"description": _ERRORS["403"], **_json(ErrorBody)})
    paths["/recipes/{recipe_id}/download"]["get"]["responses"]["410"] = {
        "description": _ERRORS["410"],
        **_json(ErrorBody),
    }
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "CIRCU-LI-ION upload API", "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearer": []}],
        **recipe_schemas.openapi_links(),
    }
    paths.update(recipe_schemas.openapi_paths())
    return json.dumps(doc)


def _document_limits(properties: dict[str, Any]) -> None:
    """What the validators check beyond the field types: the name rule and the size limits.

    The rule is documented, not enforced, by the schema: the validator's own message is
    clearer than pydantic's pattern error. The limits are the defaults; a deployment may
    configure others, and a 413 names the one it applies."""
    defaults = UploadSettings.model_fields
    max_size = defaults["max_size_bytes"].default
    max_document = defaults["max_document_bytes"].default
    # JSON Schema patterns match anywhere in the string: anchor the whole-string rule.
    properties["name"]["pattern"] = field_pattern(NAME_PATTERN.pattern)
    properties["name"]["description"] = "letters, digits, '.', '_' and '-', starting with a letter or digit; no '..'"
    properties["size"]["maximum"] = max_size
    properties["size"]["description"] = (
        f"bytes; at most {max_size} ({max_size // (1024 * MIB)} GiB), "
        f"and at most {max_document} ({max_document // MIB} MiB) for application/json"
    )
