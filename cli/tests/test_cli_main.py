"""The ``circulion`` command line: arguments, exit codes, output, progress, resume after kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import cli
from fake_api import TOKEN, FakeApi
from sample_files import KIB, write_file

from circulion_cli.commands import default_name, guess_content_type
from circulion_cli.main import run

CLI = [sys.executable, "-c", "from circulion_cli.main import main; main()"]
DISTRIBUTING = [
    {"status": "PROCESSING", "progress": {"chunks_total": 2, "chunks_done": 0}},
    {"status": "PROCESSING", "progress": {"chunks_total": 2, "chunks_done": 2}},
    {"status": "DISTRIBUTED", "progress": {"chunks_total": 2, "chunks_done": 2}},
]


@pytest.fixture
def env(fake: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "CIRCULION_API_URL": fake.url,
        "CIRCULION_TOKEN": TOKEN,
        "CIRCULION_ISSUER_URL": fake.url,
        "CIRCULION_CACHE_DIR": str(tmp_path / "cache"),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **values}


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        ["upload"],
        ["status"],
        ["list", "--status", "DONE"],
        ["upload", "f", "--workers", "0"],
        ["dlq"],
        ["dev-token"],
    ],
)
def test_bad_arguments_print_usage_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(argv)
    assert exited.value.code == 2
    assert "usage: circulion" in capsys.readouterr().err


def test_the_installed_command_exits_2_on_usage_and_1_without_traceback(env: dict[str, str]) -> None:
    usage = subprocess.run([*CLI, "status"], capture_output=True, text=True, env=env, check=False)
    assert usage.returncode == 2
    assert "usage:" in usage.stderr

    unreachable = {**env, "CIRCULION_API_URL": "http://127.0.0.1:9"}
    failed = subprocess.run([*CLI, "status", "x"], capture_output=True, text=True, env=unreachable, check=False)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert failed.stderr.strip().startswith("circulion: error: GET http://127.0.0.1:9/recipes/x failed")


def test_upload_prints_the_id_and_plain_progress_without_a_tty(env: dict[str, str], tmp_path: Path) -> None:
    path = write_file(tmp_path / "arm run.ndjson", 6 * 4 * KIB)

    code, out, err = cli("upload", str(path))

    assert code == 0
    assert out.strip().startswith("r-")
    upload_lines = [line for line in err.splitlines() if line.startswith("upload")]
    assert upload_lines[-1].startswith("upload 100.0%") and "\r" not in err
    assert len(upload_lines) >= 2  # one line per 10 %, not one per block


def test_upload_wait_follows_to_distributed_and_json_parses(fake: FakeApi, env: dict[str, str], tmp_path: Path) -> None:
    fake.script = DISTRIBUTING
    path = write_file(tmp_path / "arm.ndjson", 3 * 4 * KIB)

    code, out, err = cli("upload", str(path), "--wait", "--json", "--name", "arm")

    assert code == 0
    document = json.loads(out)
    assert (document["status"], document["name"]) == ("DISTRIBUTED", "arm")
    assert document["content_type"] == "application/x-ndjson"
    assert "status: PROCESSING" in err and "chunks 100.0% 2/2" in err


def test_upload_wait_on_a_rejection_prints_reasons_and_exits_1(
    fake: FakeApi, env: dict[str, str], tmp_path: Path
) -> None:
    fake.script = [
        {
            "status": "REJECTED",
            "errors": [
                {"code": "step_id_not_increasing", "message": "step 7 after step 9", "line": 12, "byte_offset": 800},
            ],
        }
    ]
    path = write_file(tmp_path / "arm.ndjson", 2 * KIB)

    code, out, _ = cli("upload", str(path), "--wait", "--quiet")

    assert code == 1
    assert "REJECTED" in out
    assert "- step_id_not_increasing: step 7 after step 9 (line 12, byte 800)" in out


def test_read_commands_print_json(fake: FakeApi, env: dict[str, str], tmp_path: Path) -> None:
    recipe = fake.add_recipe(name="arm", version="2", size=9, sha256="0" * 64, content_type="x", status="DISTRIBUTED")
    fake.add_recipe(name="leg", version="1", size=9, sha256="0" * 64, content_type="x", status="FAILED")

    assert json.loads(cli("status", recipe.recipe_id, "--json")[1])["version"] == "2"
    assert [r["name"] for r in json.loads(cli("list", "--status", "DISTRIBUTED", "--json")[1])] == ["arm"]
    assert len(json.loads(cli("list", "--json")[1])) == 2
    out = cli("download", recipe.recipe_id, "-o", str(tmp_path / "a.zip"), "--json", "--quiet")[1]
    assert json.loads(out)["size"] == len(fake.archive) == (tmp_path / "a.zip").stat().st_size
    assert json.loads(cli("dev-token", "--tenant", "acme", "--json")[1])["token"] == "dev-acme"


def test_status_watch_exits_1_when_the_recipe_failed(fake: FakeApi, env: dict[str, str]) -> None:
    recipe = fake.add_recipe(name="arm", version="1", size=9, sha256="0" * 64, content_type="x", status="MERGING")
    recipe.after_complete = [{"status": "FAILED", "errors": [{"reason": "merge_timeout", "message": "gave up"}]}]

    code, out, err = cli("status", recipe.recipe_id, "--watch")

    assert code == 1
    assert "merge_timeout: gave up" in out
    assert "status: FAILED" in err


@pytest.mark.parametrize(
    ("final", "next_step"),
    [
        ("WITHDRAWN", "next: an admin withdrew this version, so it is not distributed: `circulion versions arm`"),
        ("ABORTED", "next: this upload was aborted and will not be processed: upload the file again"),
    ],
)
def test_status_watch_ends_at_withdrawn_or_aborted_with_exit_1_and_what_to_do(
    fake: FakeApi, env: dict[str, str], final: str, next_step: str
) -> None:
    recipe = fake.add_recipe(name="arm", version="1", size=9, sha256="0" * 64, content_type="x", status="DISTRIBUTING")
    recipe.after_complete = [{"status": final}]

    # --timeout: a wait that did not treat the status as terminal would poll on, then time out.
    code, out, err = cli("status", recipe.recipe_id, "--watch", "--timeout", "10")

    assert code == 1, err
    assert out.strip() == f"{recipe.recipe_id}: {final}"
    assert f"status: {final}" in err and next_step in err
    assert "wait_timed_out" not in err


def test_expected_errors_are_the_error_and_what_to_do_next_with_exit_1(env: dict[str, str]) -> None:
    code, out, err = cli("status", "missing")
    assert (code, out) == (1, "")
    error, hint = err.splitlines()
    assert error == "circulion: error: no such recipe (not_found)"
    assert hint.startswith("next: check the id with `circulion list`")


def test_killed_upload_resumes_sending_only_missing_parts(fake: FakeApi, env: dict[str, str], tmp_path: Path) -> None:
    path = write_file(tmp_path / "big.bin", 16 * 4 * KIB)
    fake.hold_after = 6  # part PUTs after the sixth hang until the process is killed
    first = subprocess.Popen(
        [*CLI, "upload", str(path), "--workers", "3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    fake.wait_stored(6)
    first.send_signal(signal.SIGKILL)
    first.wait()
    first.stdout.close()  # type: ignore[union-attr]
    first.stderr.close()  # type: ignore[union-attr]
    fake.hold_after = None
    fake.release.set()
    fake.wait_idle()
    stored_first = set(fake.part_puts_ok)
    assert 6 <= len(stored_first) < 16  # PUTs racing past the hold may land a few more
    # S3 may hold a part whose response the killed client never recorded; only what the
    # state file records counts as done (at most one part per worker is sent twice).
    (state_file,) = (tmp_path / "cache").glob("*.json")
    recorded = {int(n) for n in json.loads(state_file.read_text())["parts"]}
    assert recorded <= stored_first
    assert len(stored_first - recorded) <= 3

    fake.part_puts_ok.clear()
    second = subprocess.run([*CLI, "upload", str(path)], env=env, capture_output=True, text=True, check=False)

    assert second.returncode == 0, second.stderr
    assert f"resuming: {len(recorded) * 4}.0 KiB already uploaded" in second.stderr
    assert set(fake.part_puts_ok) == set(range(1, 17)) - recorded
    assert all(count == 1 for count in fake.part_puts_ok.values())
    assert fake.only_recipe().status == "VALIDATING"


def test_names_and_types_come_from_the_file_name() -> None:
    assert default_name(Path("/x/my arm (v2).ndjson")) == "my-arm-v2-.ndjson"
    assert default_name(Path("..")) == "recipe"
    assert guess_content_type(Path("a.JSON")) == "application/json"
    assert guess_content_type(Path("a.jsonl")) == "application/x-ndjson"
    assert guess_content_type(Path("a.bin")) == "application/octet-stream"


def test_a_missing_token_gets_a_hint(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CIRCULION_TOKEN")
    code, _, err = cli("list")
    assert code == 1
    assert "no token: set CIRCULION_TOKEN" in err
