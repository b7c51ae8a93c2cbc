"""The fleet routes' part of the OpenAPI document (names, latest, withdraw, restore)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from chalicelib.fleet_models import Latest, NameList, NameView, WithdrawRecipe

MODELS: tuple[type[BaseModel], ...] = (WithdrawRecipe, NameList, NameView, Latest)

Op = Callable[..., dict[str, Any]]
Query = Callable[[str, dict[str, Any]], dict[str, Any]]


def _name() -> dict[str, Any]:
    return {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 128}}


def _recipe_id() -> dict[str, Any]:
    return {"name": "recipe_id", "in": "path", "required": True, "schema": {"type": "string"}}


def paths(op: Op, query: Query, recipe_view: type[BaseModel]) -> dict[str, Any]:
    """The paths, built with the document's own operation and parameter builders."""
    reads = ("400", "401", "403", "404")
    latest = op(
        "getLatestVersion",
        "the live version of a name, a signed archive URL and a CDN credential for its prefix (robot)",
        Latest,
        params=[
            _name(),
            {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}},
        ],
        errors=reads,
    )
    latest["responses"]["200"]["headers"] = {
        "ETag": {"description": "the archive's sha256, quoted", "schema": {"type": "string"}}
    }
    latest["responses"]["304"] = {"description": "If-None-Match names the live sha256: no body"}
    latest["responses"]["404"]["description"] = "no such name, or no live version (code no_live_version)"
    admin = ("400", "401", "403", "404", "409")
    return {
        "/names": {
            "get": op(
                "listNames",
                "the tenant's recipe names with their live version (robot)",
                NameList,
                params=[
                    query("limit", {"type": "integer", "minimum": 1, "maximum": 100}),
                    query("cursor", {"type": "string"}),
                ],
                errors=("400", "401", "403"),
            )
        },
        "/names/{name}": {
            "get": op(
                "getName",
                "a name's live version and every version, newest first (robot)",
                NameView,
                params=[_name()],
                errors=reads,
            )
        },
        "/names/{name}/latest": {"get": latest},
        "/recipes/{recipe_id}/withdraw": {
            "post": op(
                "withdrawRecipe",
                "take a distributed version out of distribution (admin)",
                recipe_view,
                status="202",
                body=WithdrawRecipe,
                params=[_recipe_id()],
                errors=admin,
            )
        },
        "/recipes/{recipe_id}/restore": {
            "post": op(
                "restoreRecipe",
                "put a withdrawn version back (admin)",
                recipe_view,
                status="202",
                params=[_recipe_id()],
                errors=admin,
            )
        },
    }


def document_roles(paths: dict[str, Any], forbidden: dict[str, Any]) -> None:
    """Every operation that needs a token may also answer 403 (its role lacks the route)."""
    for operations in paths.values():
        for operation in operations.values():
            if operation.get("security") != []:
                operation["responses"].setdefault("403", forbidden)
