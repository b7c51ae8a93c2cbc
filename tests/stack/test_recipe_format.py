"""The published recipe format against the running stack (issue 18's "Done when").

The schemas are fetched without a token and used with an off-the-shelf validator; the CLI
refuses an invalid stream before the API is called; and ``circulion validate``'s problems
are the ones the pipeline itself reports for the same file.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path

import jsonschema
import pytest
from cli_support import cli_json, customer_env, run_cli
from support import REPO_ROOT, Stack

from circulion.recipes import examples

pytestmark = pytest.mark.stack

MB = 1_000_000


@pytest.fixture(scope="module")
def env(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return customer_env(stack, f"format-{uuid.uuid4().hex[:8]}", tmp_path_factory.mktemp("format-cache"))


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:  # no Authorization header
        return response.status, dict(response.headers), response.read()


def write_stream(path: Path, size: int, bad_lines: dict[int, bytes]) -> Path:
    with path.open("wb") as out:
        for number, line in enumerate(examples.stream_lines(size // 90), start=1):
            out.write(bad_lines.get(number, line))
    return path


def test_the_document_schema_is_public_and_works_with_an_off_the_shelf_validator(stack: Stack) -> None:
    status, headers, body = get(f"{stack.ports.api_url}/schemas/recipe-document.json")
    assert status == 200 and headers["Content-Type"] == "application/schema+json"
    validator = jsonschema.Draft202012Validator(json.loads(body))
    document = json.loads((REPO_ROOT / "examples" / "arm.json").read_text())
    assert list(validator.iter_errors(document)) == []
    remove = next(step for step in document["steps"] if step["action"] == "remove")
    del remove["parameters"]["force_n"]
    assert not validator.is_valid(document)
    _, _, listed = get(f"{stack.ports.api_url}/schemas")
    assert {s["name"] for s in json.loads(listed)["schemas"]} == {
        "recipe-document",
        "recipe-stream-header",
        "recipe-step",
    }
    _, _, openapi = get(f"{stack.ports.api_url}/openapi.json")
    assert "/schemas/{name}" in json.loads(openapi)["paths"]


def test_upload_refuses_an_invalid_30_mb_stream_without_creating_a_recipe(env: dict[str, str], tmp_path: Path) -> None:
    bad = {250_000: examples.line({**examples.step(249_999), "parameters": {"bogus": 1}})}
    path = write_stream(tmp_path / "bad.ndjson", 30 * MB, bad)
    upload = run_cli(env, "upload", str(path), "--quiet")
    assert upload.returncode == 1, upload.stderr
    assert f"{path}:250000:" in upload.stderr and "nothing was uploaded" in upload.stderr
    assert cli_json(env, "list") == []  # a fresh tenant: no recipe was created


def test_validate_reports_what_the_pipeline_reports(env: dict[str, str], tmp_path: Path) -> None:
    torque = examples.line({**examples.step(20), "action": "unscrew", "parameters": {"torque_nm": 900.0}})
    backwards = examples.line(examples.step(3))
    bad = {21: torque, 110_000: backwards, 110_001: b'{"step_id": 110000, oops\n'}  # chunks 0 and 1
    path = write_stream(tmp_path / "two-chunks.ndjson", 10 * MB, bad)
    offline = run_cli(env, "validate", str(path), "--json")
    assert offline.returncode == 1, offline.stderr
    upload = run_cli(
        env, "upload", str(path), "--no-validate", "--wait", "--json", "--quiet", "--timeout", "600", timeout=None
    )
    assert upload.returncode == 1, upload.stderr
    recipe = json.loads(upload.stdout)
    assert recipe["status"] == "REJECTED"
    fields = ("code", "message", "line", "byte_offset", "step_id")
    pipeline = [tuple(e.get(f) for f in fields) for e in recipe["errors"]]
    issues = json.loads(offline.stdout)["issues"]
    assert pipeline == [tuple(i.get(f) for f in fields) for i in issues][: len(pipeline)]
    assert {code for code, *_ in pipeline} >= {"schema_violation", "step_id_not_increasing", "invalid_json"}
