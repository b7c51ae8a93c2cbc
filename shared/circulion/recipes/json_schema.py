"""The recipe format as JSON Schema (draft 2020-12), generated from the models.

The models are the one source of truth: the schemas here are derived from them, units are
read off the field names (the same naming rule :func:`~circulion.recipes.limit_violations`
relies on), and snapshots under ``schemas/`` are what the upload API serves and customers
pin. A model change that changes a schema fails the snapshot test until
``python -m circulion.recipes.json_schema write`` (``make schemas``) is run and committed.

The rules a JSON Schema cannot express are spelled out in :data:`RULES_BEYOND_THE_SCHEMA`,
which goes into every schema's ``description`` and into docs/RECIPES.md.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from circulion.recipes.document import RecipeDocument
from circulion.recipes.limits import MAX_DOCUMENT_BYTES, MAX_RECORD_BYTES
from circulion.recipes.safety import RecipeHeader
from circulion.recipes.steps import STEP

FORMAT_VERSION = "1.0.0"
"""The recipe format's version: major changes when a valid recipe may become invalid."""
SCHEMA_DIR = Path(__file__).with_name("schemas")
ID_BASE = "https://schemas.circulion.dev/recipes/v1/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

UNITS: tuple[tuple[str, str], ...] = (
    ("_mm_s", "millimetres per second"),
    ("_nm", "newton metres"),
    ("_mm", "millimetres"),
    ("_deg", "degrees"),
    ("_n", "newtons"),
    ("_v", "volts"),
    ("_a", "amperes"),
    ("_c", "degrees Celsius"),
    ("_s", "seconds"),
)
"""Field-name suffix -> unit, longest suffix first (``speed_mm_s`` is not millimetres)."""

RULES_BEYOND_THE_SCHEMA: tuple[str, ...] = (
    "Safety limits: every parameter ending in _c (a temperature) must not exceed "
    "safety_checks.temperature_limit_c, every one ending in _v (a voltage) "
    "safety_checks.voltage_threshold_v, and, when safety_checks.max_force_n is set, every one "
    "ending in _n (a force) max_force_n (code exceeds_safety_limit).",
    "Step ids strictly increase through the whole recipe: across a document's steps array and "
    "across every line of a stream (code step_id_not_increasing).",
    "Strict JSON: no duplicate keys in an object (duplicate_key), no NaN or Infinity "
    "(non_finite_number), no number beyond a double's range such as 1e400 (number_out_of_range), "
    "valid UTF-8 without a byte order mark (invalid_utf8, byte_order_mark).",
    f"Sizes: a document is at most {MAX_DOCUMENT_BYTES} bytes (document_too_large); a stream line "
    f"at most {MAX_RECORD_BYTES} bytes (record_too_long).",
    "A stream (application/x-ndjson) is this header on its first line, then one step per line "
    "(recipe-step.json); blank lines are ignored; a stream needs at least one step (no_steps).",
)


@dataclass(frozen=True)
class RecipeSchema:
    """One published schema: its file name (without ``.json``), title and model."""

    name: str
    title: str
    adapter: TypeAdapter[Any]

    @property
    def schema_id(self) -> str:
        return f"{ID_BASE}{self.name}.json"


SCHEMAS: tuple[RecipeSchema, ...] = (
    RecipeSchema("recipe-document", "CIRCU-LI-ION recipe document (application/json)", TypeAdapter(RecipeDocument)),
    RecipeSchema(
        "recipe-stream-header",
        "CIRCU-LI-ION recipe stream header (first line of application/x-ndjson)",
        TypeAdapter(RecipeHeader),
    ),
    RecipeSchema("recipe-step", "CIRCU-LI-ION recipe step (one line of a stream after the header)", STEP),
)


def schema_of(entry: RecipeSchema) -> dict[str, Any]:
    """The published JSON Schema of ``entry``, with ``$id``, format version and units."""
    generated: dict[str, Any] = entry.adapter.json_schema(mode="validation")
    for definition in [generated, *generated.get("$defs", {}).values()]:
        _describe_units(definition)
    rules = "\n".join(f"- {rule}" for rule in RULES_BEYOND_THE_SCHEMA)
    summary = generated.pop("description", None) or entry.title
    return {
        "$schema": DIALECT,
        "$id": entry.schema_id,
        "title": entry.title,
        "x-circulion-format-version": FORMAT_VERSION,
        "description": f"{summary}\n\nRules this schema cannot express (the pipeline enforces them):\n{rules}",
        **{key: value for key, value in generated.items() if key != "title"},
    }


def by_name(name: str) -> RecipeSchema | None:
    return next((entry for entry in SCHEMAS if entry.name == name), None)


def snapshot_path(entry: RecipeSchema) -> Path:
    return SCHEMA_DIR / f"{entry.name}.json"


def rendered(entry: RecipeSchema) -> str:
    """The snapshot file's exact text."""
    return json.dumps(schema_of(entry), indent=2, sort_keys=True) + "\n"


def write() -> list[Path]:
    SCHEMA_DIR.mkdir(exist_ok=True)
    written = []
    for entry in SCHEMAS:
        path = snapshot_path(entry)
        path.write_text(rendered(entry))
        written.append(path)
    return written


def unit_of(field_name: str) -> str | None:
    """The unit a field's name declares, ``None`` when it declares none."""
    return next((unit for suffix, unit in UNITS if field_name.endswith(suffix)), None)


def _describe_units(definition: dict[str, Any]) -> None:
    for name, prop in definition.get("properties", {}).items():
        unit = unit_of(name)
        if unit is not None:
            prop["description"] = f"{prop['description']} (in {unit})" if "description" in prop else f"In {unit}."


def main(argv: list[str]) -> int:
    if argv[:1] == ["write"]:
        for path in write():
            print(path)
        return 0
    stale = [
        entry.name
        for entry in SCHEMAS
        if not snapshot_path(entry).exists() or snapshot_path(entry).read_text() != rendered(entry)
    ]
    for name in stale:
        print(f"{name}.json is stale: run `make schemas` and commit it")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
