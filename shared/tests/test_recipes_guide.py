"""docs/RECIPES.md: its field tables are generated, its examples are what they claim, and it
documents every rejection code the pipeline can give."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from circulion.recipes import check_header, check_step
from circulion.recipes.file_validation import validate_file
from circulion.recipes.format_table import render, splice
from circulion.recipes.json_schema import by_name, schema_of

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "RECIPES.md"
BLOCK = re.compile(r"```(?:json|ndjson) (recipe-[a-z-]+)(?: rejects=([a-z_]+))?\n(.*?)```", re.S)
EMITTED = re.compile(r'(?:code="|Problem\(\s*"|_Rejected\(")([a-z0-9_]+)"')


def guide() -> str:
    return GUIDE.read_text()


def blocks() -> list[tuple[str, str | None, str]]:
    return [(m.group(1), m.group(2), m.group(3)) for m in BLOCK.finditer(guide())]


def test_the_field_tables_are_the_generated_ones() -> None:
    assert splice(guide(), render()) == guide(), "run: python -m circulion.recipes.format_table --write docs/RECIPES.md"


def test_the_readme_links_the_guide() -> None:
    assert "docs/RECIPES.md" in (ROOT / "README.md").read_text()


def test_there_is_a_valid_example_for_every_action() -> None:
    actions = {json.loads(body)["action"] for kind, rejects, body in blocks() if kind == "recipe-step" and not rejects}
    assert actions == {"recognize", "unscrew", "remove", "pick", "place", "move", "inspect", "discharge", "cut"}


def codes_of(kind: str, body: str, tmp_path: Path) -> list[str]:
    """What the pipeline's code says about one example (empty: valid)."""
    if kind == "recipe-stream-header":
        return [p.code for p in check_header(body.encode()).problems]
    if kind == "recipe-step":
        (header,) = [b for k, r, b in blocks() if k == "recipe-stream-header"]
        safety = check_header(header.encode()).header
        assert safety is not None
        return [p.code for p in check_step(body.encode(), safety.safety_checks).problems]
    path = tmp_path / "example"
    path.write_text(body)
    verdict = validate_file(str(path), "stream" if kind == "recipe-stream" else "document")
    return [issue.code for issue in verdict.issues]


@pytest.mark.parametrize(("kind", "rejects", "body"), blocks(), ids=lambda v: str(v)[:40])
def test_each_example_is_valid_and_each_counter_example_gets_its_code(
    kind: str, rejects: str | None, body: str, tmp_path: Path
) -> None:
    codes = codes_of(kind, body, tmp_path)
    if rejects is None:
        assert codes == []
    else:
        assert rejects in codes
    schema = by_name(kind)
    if schema is not None and (rejects is None or rejects == "schema_violation"):
        # the published schema agrees where it can say anything
        assert jsonschema.Draft202012Validator(schema_of(schema)).is_valid(json.loads(body)) == (rejects is None)


def test_every_rejection_code_the_pipeline_emits_is_documented() -> None:
    sources = (ROOT / "shared" / "circulion" / "recipes").glob("*.py")
    emitted = {code for path in sources for code in EMITTED.findall(path.read_text())}
    emitted |= set(EMITTED.findall((ROOT / "services" / "upload" / "chalicelib" / "content_check.py").read_text()))
    assert {"exceeds_safety_limit", "step_id_not_increasing", "not_utf8", "record_too_long"} <= emitted
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", guide(), re.M))
    assert emitted - documented == set()
