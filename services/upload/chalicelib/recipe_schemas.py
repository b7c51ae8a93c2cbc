"""The published recipe format: ``GET /schemas`` and ``GET /schemas/{name}.json``, no token.

The schemas come from the shared library (generated from the models the pipeline
validates with), so what a customer validates against offline is what the workers enforce.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from chalicelib.errors import NotFound
from circulion.recipes.json_schema import FORMAT_VERSION, SCHEMAS, by_name, rendered

SCHEMA_MEDIA_TYPE = "application/schema+json"
SUFFIX = ".json"


def path_of(name: str) -> str:
    return f"/schemas/{name}{SUFFIX}"


@functools.cache
def index() -> str:
    """The list of schemas with their ids and the format version (JSON text)."""
    return json.dumps(
        {
            "format_version": FORMAT_VERSION,
            "schemas": [
                {"name": e.name, "title": e.title, "id": e.schema_id, "version": FORMAT_VERSION, "url": path_of(e.name)}
                for e in SCHEMAS
            ],
        }
    )


@functools.cache
def schema_text(file_name: str) -> str:
    """The schema served as ``/schemas/{file_name}``; ``NotFound`` for any other name."""
    entry = by_name(file_name.removesuffix(SUFFIX)) if file_name.endswith(SUFFIX) else None
    if entry is None:
        known = ", ".join(path_of(e.name) for e in SCHEMAS)
        raise NotFound(f"no schema {file_name!r}; the schemas are {known}")
    return rendered(entry)


def openapi_paths() -> dict[str, Any]:
    """The two routes for the OpenAPI document (public: ``security`` is empty)."""
    names = [e.name + SUFFIX for e in SCHEMAS]
    return {
        "/schemas": {
            "get": {
                "operationId": "listRecipeSchemas",
                "summary": "the JSON Schemas of the recipe format, with their versions",
                "security": [],
                "responses": {"200": {"description": "the list", "content": {"application/json": {}}}},
            }
        },
        "/schemas/{name}": {
            "get": {
                "operationId": "getRecipeSchema",
                "summary": "one JSON Schema of the recipe format (draft 2020-12)",
                "security": [],
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": names}}
                ],
                "responses": {
                    "200": {"description": "the schema", "content": {SCHEMA_MEDIA_TYPE: {}}},
                    "404": {"description": "no such schema"},
                },
            }
        },
    }


def openapi_links() -> dict[str, Any]:
    """``externalDocs`` and the ``x-recipe-schemas`` list for the OpenAPI document's top level."""
    return {
        "externalDocs": {"description": "the recipe format (JSON Schema)", "url": "/schemas"},
        "x-recipe-schemas": {e.name: path_of(e.name) for e in SCHEMAS},
    }
