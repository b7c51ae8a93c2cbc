"""The published recipe format: served without a token, linked from the OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from app import app
from chalice.test import Client

from tests.conftest import World

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.fixture
def client(world: World) -> Any:
    with Client(app) as c:
        yield c


def test_the_list_names_every_schema_with_its_version_and_needs_no_token(client: Any) -> None:
    r = client.http.get("/schemas")
    assert r.status_code == 200, r.body
    listed = json.loads(r.body)
    names = {s["name"] for s in listed["schemas"]}
    assert names == {"recipe-document", "recipe-stream-header", "recipe-step"}
    assert all(s["version"] == listed["format_version"] for s in listed["schemas"])
    for entry in listed["schemas"]:
        schema = json.loads(client.http.get(entry["url"]).body)
        assert schema["$id"] == entry["id"]


def test_the_document_schema_accepts_the_example_and_rejects_a_remove_without_force(client: Any) -> None:
    r = client.http.get("/schemas/recipe-document.json")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/schema+json"
    validator = jsonschema.Draft202012Validator(json.loads(r.body))
    document = json.loads((EXAMPLES / "arm.json").read_text())
    assert list(validator.iter_errors(document)) == []
    remove = next(s for s in document["steps"] if s["action"] == "remove")
    del remove["parameters"]["force_n"]
    assert not validator.is_valid(document)


def test_an_unknown_schema_is_a_404_naming_the_real_ones(client: Any) -> None:
    for path in ("/schemas/recipe.json", "/schemas/recipe-document"):
        r = client.http.get(path)
        assert r.status_code == 404
        error = json.loads(r.body)["error"]
        assert error["code"] == "not_found" and "/schemas/recipe-document.json" in error["message"]


def test_the_openapi_document_links_the_schemas_as_public_routes(client: Any) -> None:
    doc = json.loads(client.http.get("/openapi.json").body)
    assert doc["paths"]["/schemas"]["get"]["security"] == []
    assert doc["paths"]["/schemas/{name}"]["get"]["security"] == []
    assert doc["x-recipe-schemas"]["recipe-document"] == "/schemas/recipe-document.json"
