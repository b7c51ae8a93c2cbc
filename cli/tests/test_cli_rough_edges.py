"""The rough edges a new user hit in the first hour (issue 15.15, 15.16)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest
from cli_runner import EXAMPLES, cli
from fake_api import TOKEN, FakeApi, recipe_archive
from sample_files import KIB, write_file

from circulion_cli.main import run
from circulion_cli.models import RecipeIssue
from circulion_cli.render import issue_line
from circulion_cli.upload import CHECK_TOKEN_FIRST_BYTES


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


pytestmark = pytest.mark.usefixtures("against_fake")


def test_a_directory_is_reported_as_a_directory(tmp_path: Path) -> None:
    code, _, err = cli("upload", str(tmp_path))
    assert code == 2
    assert f"circulion: error: {tmp_path} is a directory" in err


def test_an_error_starts_its_own_line_after_a_progress_bar(fake: FakeApi, tmp_path: Path) -> None:
    fake.refuse_after = 2
    path = write_file(tmp_path / "big.bin", 8 * 4 * KIB)

    code, _, err = cli("upload", str(path), "--workers", "1", err=Terminal())

    assert code == 1
    before = err[: err.index("circulion: error:")]
    assert before.endswith("\n") and "\r" in before  # the bar was drawn, then its line ended


def test_the_token_is_checked_before_the_file_is_hashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIRCULION_TOKEN", "expired")
    path = tmp_path / "big.bin"
    path.write_bytes(b"\x00" * CHECK_TOKEN_FIRST_BYTES)

    code, _, err = cli("upload", str(path))

    assert code == 1
    assert "sha256" not in err  # no hashing pass (no bar) before the 401
    assert "(unauthorized)" in err


def test_all_parts_already_uploaded_are_counted(fake: FakeApi, tmp_path: Path) -> None:
    path = write_file(tmp_path / "big.bin", 6 * 4 * KIB)
    cache = tmp_path / "cache"
    saved: dict[Path, bytes] = {}

    # Kill-between-complete-and-cleanup, without a kill: keep the state file as it was just
    # before the run removed it, and put it back afterwards.
    def keep(event: object) -> None:
        for state in cache.glob("*.json"):
            saved[state] = state.read_bytes()

    from circulion_cli.client import CirculionClient
    from circulion_cli.resume import ResumeStore

    client = CirculionClient(fake.url, TOKEN)
    client.upload_file(path, name="arm", resume=ResumeStore(cache), on_progress=keep)  # type: ignore[arg-type]
    assert not list(cache.glob("*.json"))
    for state, raw in saved.items():
        state.write_bytes(raw)

    code, out, err = cli("upload", str(path), "--name", "arm")

    assert code == 0, err
    assert "nothing to send: all 6 part(s) were already uploaded by an earlier run" in err
    assert out.strip() == fake.only_recipe().recipe_id


def test_download_of_a_rejected_recipe_says_rejected_not_not_yet(fake: FakeApi) -> None:
    rejected = fake.add_recipe(name="a", version="1", size=9, sha256="0" * 64, content_type="x", status="REJECTED")
    running = fake.add_recipe(name="a", version="2", size=9, sha256="0" * 64, content_type="x", status="MERGING")

    code, _, err = cli("download", rejected.recipe_id, "--quiet")
    assert code == 1
    assert f"next: it was REJECTED, so there is nothing to download: `circulion status {rejected.recipe_id}`" in err

    code, _, err = cli("download", running.recipe_id, "--quiet")
    assert code == 1
    assert f"next: it is MERGING, not distributed yet: wait with `circulion status {running.recipe_id} --watch`" in err


def test_download_prints_and_verifies_the_archived_files_sha256(fake: FakeApi, tmp_path: Path) -> None:
    data = (EXAMPLES / "arm.ndjson").read_bytes()
    fake.archive = recipe_archive("arm.ndjson", data)
    recipe = fake.add_recipe(name="a", version="1", size=9, sha256="0" * 64, content_type="x", status="DISTRIBUTED")

    code, out, _ = cli("download", recipe.recipe_id, "-o", str(tmp_path / "a.zip"), "--quiet")

    assert code == 0
    assert f"sha256 {hashlib.sha256(fake.archive).hexdigest()} verified" in out  # the archive's
    assert (
        f"contains arm.ndjson ({len(data) / 1024:.1f} KiB), sha256 {hashlib.sha256(data).hexdigest()} verified" in out
    )
    fake.archive = recipe_archive("arm.ndjson", data, manifest_sha256="1" * 64)
    code, _, err = cli("download", recipe.recipe_id, "-o", str(tmp_path / "b.zip"), "--json", "--quiet")
    assert code == 1
    assert "arm.ndjson inside" in err and "its manifest says 1111" in err
    assert not (tmp_path / "b.zip").exists()


def test_wait_shows_each_status_once_in_order_and_one_chunks_bar(fake: FakeApi, tmp_path: Path) -> None:
    progress = {"chunks_total": 2, "chunks_done": 0}
    fake.script = [
        {"status": "AWAITING_UPLOAD"},  # the projection lags behind the completed upload
        {"status": "VALIDATING"},
        {"status": "PROCESSING", "progress": {**progress}},
        {"status": "PROCESSING", "progress": {**progress, "chunks_done": 1}},
        {"status": "MERGING", "progress": {**progress, "chunks_done": 2}},
        {"status": "PROCESSING", "progress": {**progress, "chunks_done": 2}},  # a stale read
        {"status": "DISTRIBUTED", "progress": {**progress, "chunks_done": 2}},
    ]
    path = write_file(tmp_path / "arm.bin", KIB)

    code, _, err = cli("upload", str(path), "--wait")

    assert code == 0
    statuses = [line for line in err.splitlines() if line.startswith("status:")]
    assert statuses == ["status: VALIDATING", "status: PROCESSING", "status: MERGING", "status: DISTRIBUTED"]
    chunk_lines = [i for i, line in enumerate(err.splitlines()) if line.startswith("chunks")]
    assert err.count("chunks 100.0% 2/2") == 1
    assert max(chunk_lines) < err.splitlines().index("status: MERGING")


def test_rejection_lines_show_lines_and_step_ids_not_chunk_numbers() -> None:
    issue = RecipeIssue(code="schema_violation", message="torque", line=3, byte_offset=120, chunk_index=0, step_id=2)
    assert issue_line(issue) == "  - schema_violation: torque (line 3, byte 120, step_id 2)"


def test_help_names_every_options_values() -> None:
    def help_of(*argv: str) -> str:
        buffer = io.StringIO()
        with pytest.raises(SystemExit), _stdout(buffer):
            run([*argv, "--help"])
        return " ".join(buffer.getvalue().split())

    upload = help_of("upload")
    assert "application/json, application/x-ndjson, application/octet-stream" in upload
    listing = help_of("list")
    assert "only this status: AWAITING_UPLOAD" in listing and "only recipes of this name" in listing
    assert "the tenant the token is for" in help_of("dev-token")


def test_bare_circulion_shows_the_commands_and_an_example() -> None:
    code, _, err = cli()
    assert code == 2
    assert all(command in err for command in ("upload", "status", "list", "download", "dev-token"))
    assert "circulion upload examples/arm.ndjson --name arm --wait" in err


def test_start_up_imports_neither_boto3_nor_the_tracing_sdk() -> None:
    probe = (
        "import sys, circulion_cli.main; "
        "print([m for m in ('boto3', 'botocore', 'aws_xray_sdk', 'circulion.adapters') if m in sys.modules])"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(loaded.replace("'", '"')) == []
    from circulion.contracts.events import RecipeKind
    from circulion_cli import validate

    assert get_args(validate.RecipeKind) == get_args(RecipeKind)  # spelled out there to start fast
    helped = subprocess.run(
        [sys.executable, "-m", "circulion_cli", "--help"], capture_output=True, text=True, check=False
    )
    assert helped.returncode == 0 and "upload" in helped.stdout


def _stdout(buffer: io.StringIO) -> contextlib.redirect_stdout[io.StringIO]:
    return contextlib.redirect_stdout(buffer)


def test_the_uploaded_files_name_is_sent_for_the_archive(fake: FakeApi, tmp_path: Path) -> None:
    path = write_file(tmp_path / "bad.recipe", KIB)
    assert cli("upload", str(path), "--type", "asset")[0] == 0
    assert fake.only_recipe().file_name == "bad.recipe"
