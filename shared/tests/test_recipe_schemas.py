"""The recipe format's JSON Schemas: snapshots in step with the models, and agreeing with them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from circulion.recipes import examples
from circulion.recipes.json_schema import FORMAT_VERSION, SCHEMAS, by_name, rendered, snapshot_path, unit_of

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("entry", SCHEMAS, ids=lambda e: e.name)
def test_the_committed_snapshot_is_what_the_models_generate(entry: object) -> None:
    path = snapshot_path(entry)  # type: ignore[arg-type]
    assert path.exists(), "run `make schemas` and commit the result"
    assert path.read_text() == rendered(entry), "the models changed the schema: run `make schemas` and commit it"  # type: ignore[arg-type]


def validator(name: str) -> jsonschema.Draft202012Validator:
    entry = by_name(name)
    assert entry is not None
    schema = json.loads(snapshot_path(entry).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_schema_has_an_id_a_format_version_and_the_rules_it_cannot_express() -> None:
    for entry in SCHEMAS:
        schema = json.loads(snapshot_path(entry).read_text())
        assert schema["$id"].endswith(f"/{entry.name}.json")
        assert schema["x-circulion-format-version"] == FORMAT_VERSION
        for code in ("exceeds_safety_limit", "step_id_not_increasing", "duplicate_key", "non_finite_number"):
            assert code in schema["description"]


def test_the_example_recipes_are_valid_and_a_remove_without_force_is_not() -> None:
    document = json.loads((EXAMPLES / "arm.json").read_text())
    assert validator("recipe-document").is_valid(document)
    assert validator("recipe-document").is_valid(examples.document(9))
    remove = examples.step(2)
    assert remove["action"] == "remove"
    broken = {**remove, "parameters": {"direction": "up"}}
    assert not validator("recipe-step").is_valid(broken)
    lines = (EXAMPLES / "arm.ndjson").read_text().splitlines()
    assert validator("recipe-stream-header").is_valid(json.loads(lines[0]))
    assert all(validator("recipe-step").is_valid(json.loads(line)) for line in lines[1:] if line.strip())


def test_ranges_extras_and_units_come_from_the_models() -> None:
    step = validator("recipe-step")
    unscrew = {"step_id": 1, "action": "unscrew", "target": "m4", "parameters": {"torque_nm": 50}}
    assert step.is_valid(unscrew)
    assert not step.is_valid({**unscrew, "parameters": {"torque_nm": 50.5}})  # le=50
    assert not step.is_valid({**unscrew, "parameters": {"torque_nm": 0}})  # gt=0
    assert not step.is_valid({**unscrew, "colour": "red"})  # extra="forbid"
    assert not step.is_valid({**unscrew, "target": "x" * 257})
    schema = json.loads(snapshot_path(by_name("recipe-step")).read_text())  # type: ignore[arg-type]
    torque = schema["$defs"]["UnscrewParameters"]["properties"]["torque_nm"]
    assert torque["maximum"] == 50 and "newton metres" in torque["description"]
    assert unit_of("speed_mm_s") == "millimetres per second" and unit_of("target") is None
