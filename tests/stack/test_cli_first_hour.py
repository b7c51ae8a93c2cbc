"""A new user's first hour against the running stack (issue 15, items 9, 12, 15): a recipe
under an unhelpful extension is validated, not published as an asset; a document is named by
itself; the file inside the archive keeps the uploaded name; download names its SHA-256.

The CLI runs as a customer runs it: a separate process, configured only by
``CIRCULION_PORT_OFFSET`` and a token, as the README's "Try it" does.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from support import REPO_ROOT, Stack

pytestmark = pytest.mark.stack

CLI = [sys.executable, "-c", "from circulion_cli.main import main; main()"]
EXAMPLES = REPO_ROOT / "examples"
TIMEOUT_S = "300"


@pytest.fixture(scope="module")
def env(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CIRCULION_", "AWS_ENDPOINT"))}
    base |= {
        "CIRCULION_PORT_OFFSET": str(stack.ports.offset),  # nothing else says where the stack is
        "CIRCULION_CACHE_DIR": str(tmp_path_factory.mktemp("first-hour-cache")),
    }
    tenant = f"first-{uuid.uuid4().hex[:8]}"
    token = _cli(base, "dev-token", "--tenant", tenant).stdout.strip()
    return {**base, "CIRCULION_TOKEN": token}


def _cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *argv], env=env, capture_output=True, text=True, check=False)


def test_a_bad_recipe_without_its_extension_is_validated_and_rejected_by_step_id(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = shutil.copy(EXAMPLES / "bad-torque.json", tmp_path / "bad.recipe")

    refused = _cli(env, "upload", str(path), "--name", "first-hour-bad")
    assert refused.returncode == 1 and "nothing was uploaded" in refused.stderr  # checked locally as a document

    done = _cli(env, "upload", str(path), "--name", "first-hour-bad", "--wait", "--no-validate", "--timeout", TIMEOUT_S)

    assert done.returncode == 1, done.stderr
    assert "type: application/json (recipe document, recognised by its content)" in done.stderr
    assert "REJECTED" in done.stdout
    assert "document step_id 1: unscrew.parameters.torque_nm" in done.stdout
    assert "chunk 0" not in done.stdout and "steps.0" not in done.stdout
    recipe_id = done.stdout.split(":", 1)[0].strip()
    assert f"`circulion status {recipe_id}`" in done.stderr

    download = _cli(env, "download", recipe_id, "-o", str(tmp_path / "x.zip"), "--quiet")
    assert download.returncode == 1
    assert "REJECTED and will not be distributed" in download.stderr
    assert "next: it was REJECTED, so there is nothing to download" in download.stderr


def test_a_document_is_named_by_itself_and_keeps_its_file_name_in_the_archive(
    env: dict[str, str], tmp_path: Path
) -> None:
    source = EXAMPLES / "arm.json"
    document = json.loads(source.read_text())
    name = f"first-hour-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "my-arm.recipe"
    path.write_text(json.dumps({**document, "name": name, "version": "2.3.4"}))

    done = _cli(env, "upload", str(path), "--wait", "--json", "--timeout", TIMEOUT_S)

    assert done.returncode == 0, done.stderr
    recipe = json.loads(done.stdout)
    assert (recipe["name"], recipe["version"], recipe["status"]) == (name, "2.3.4", "DISTRIBUTED")

    again = _cli(env, "upload", str(path), "--quiet")
    assert again.returncode == 1
    assert "pass --version 2.3.5 (the next free one) or change the version in the file" in again.stderr

    dest = tmp_path / "arm.zip"
    download = _cli(env, "download", recipe["recipe_id"], "-o", str(dest), "--quiet")
    assert download.returncode == 0, download.stderr
    file_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert "contains my-arm.recipe" in download.stdout and f"sha256 {file_sha} verified" in download.stdout
    with zipfile.ZipFile(dest) as archive:
        assert sorted(archive.namelist()) == ["manifest.json", "my-arm.recipe"]
