"""``circulion`` against the running local stack (issue 8's "Done when").

The CLI runs as a customer runs it: a separate process, configured by environment, its
progress on a pseudo-terminal. Big files are written from repeated blocks into a tmp dir
(each MiB stamped with its index, so a misplaced part changes the hash) and deleted after.

The big upload is 300 MB under ``make stack-full`` (``CIRCULION_STACK_FULL=1``), smaller in
``make test`` (see sizes.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import pty
import signal
import subprocess
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import CLI, cli_json, customer_env, operator_env, run_cli
from sizes import megabytes
from support import Stack

from circulion.settings import RESOURCES

pytestmark = pytest.mark.stack

MIB = 1 << 20
BIG_MB = megabytes("cli", quick=48, full=300)
RESUME_MB = megabytes("cli_resume", quick=40, full=120)
PIPELINE_TIMEOUT_S = 900


@pytest.fixture(scope="module")
def env(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    customer = customer_env(stack, f"cli-{uuid.uuid4().hex[:8]}", tmp_path_factory.mktemp("cli-cache"))
    return operator_env(stack, customer)  # the same shell also runs `circulion dlq list`


@pytest.fixture
def big_file(tmp_path: Path) -> Iterator[Path]:
    yield _write(tmp_path / "big.bin", BIG_MB)


def _write(path: Path, mib: int) -> Path:
    block = os.urandom(MIB)
    with path.open("wb") as handle:
        for index in range(mib):
            handle.write(index.to_bytes(8, "big") + block[8:])
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(MIB):
            digest.update(block)
    return digest.hexdigest()


def _run_in_pty(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal (so the CLI draws its live bar); stdout piped."""
    master, slave = pty.openpty()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    out = process.stdout.read().decode()  # type: ignore[union-attr]
    code = process.wait()
    reader.join()
    os.close(master)
    return code, out, b"".join(chunks).decode(errors="replace")


def test_big_upload_shows_a_live_bar_ends_distributed_and_downloads_intact(
    env: dict[str, str], big_file: Path, tmp_path: Path
) -> None:
    code, out, terminal = _run_in_pty(
        [*CLI, "upload", str(big_file), "--name", "cli-big", "--wait", "--json", "--timeout", str(PIPELINE_TIMEOUT_S)],
        env,
    )

    assert code == 0, terminal[-2000:]
    recipe = json.loads(out)
    assert recipe["status"] == "DISTRIBUTED"
    assert recipe["sha256"] == _sha256(big_file)
    redraws = [frame for frame in terminal.split("\r") if frame.startswith("upload [")]
    assert len(redraws) > 3, terminal[-2000:]  # a live bar, redrawn in place
    assert "ETA" in redraws[0] and "MiB/s" in redraws[-2]
    assert "100.0%" in redraws[-1]
    assert "status: DISTRIBUTED" in terminal

    dest = tmp_path / "big.zip"
    download = run_cli(env, "download", recipe["recipe_id"], "-o", str(dest), "--json", "--quiet", timeout=None)
    assert download.returncode == 0, download.stderr
    assert json.loads(download.stdout)["sha256"] == _sha256(dest)  # the CLI verified it too
    with zipfile.ZipFile(dest) as archive:
        (member,) = [name for name in archive.namelist() if name != "manifest.json"]
        digest = hashlib.sha256()
        with archive.open(member) as stream:
            while block := stream.read(MIB):
                digest.update(block)
    assert digest.hexdigest() == recipe["sha256"]  # the recipe inside is the file we sent


def test_killed_upload_resumes_sending_only_missing_parts(env: dict[str, str], stack: Stack, tmp_path: Path) -> None:
    path = _write(tmp_path / "resume.bin", RESUME_MB)
    cache = Path(env["CIRCULION_CACHE_DIR"])
    first = subprocess.Popen(
        [*CLI, "upload", str(path), "--name", "cli-resume", "--workers", "2", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state = _wait_for_half(cache, first)
    first.send_signal(signal.SIGKILL)
    first.wait()
    state = json.loads(next(cache.glob("*.json")).read_text())
    recorded = {int(n) for n in state["parts"]}
    assert 0 < len(recorded) < state["part_count"], "the kill should land mid-upload"

    in_s3 = _parts_in_s3(stack, state)
    assert recorded <= in_s3  # what the client recorded is really stored

    second = run_cli(env, "upload", str(path), "--name", "cli-resume", "--json", "--quiet", timeout=None)

    assert second.returncode == 0, second.stderr
    outcome = json.loads(second.stdout)
    assert outcome["resumed"] and outcome["recipe_id"] == state["recipe_id"]
    assert outcome["parts_skipped"] == len(recorded)
    assert outcome["parts_sent"] == state["part_count"] - len(recorded)
    watched = run_cli(
        env, "status", state["recipe_id"], "--watch", "--json", "--timeout", str(PIPELINE_TIMEOUT_S), timeout=None
    )
    assert json.loads(watched.stdout)["status"] == "DISTRIBUTED", watched.stderr  # the assembled object is intact


def _wait_for_half(cache: Path, process: subprocess.Popen[bytes]) -> dict[str, object]:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert process.poll() is None, "the upload finished before it could be interrupted"
        for path in cache.glob("*.json"):
            try:
                state = json.loads(path.read_text())
            except ValueError:
                continue
            if len(state["parts"]) >= state["part_count"] // 2:
                return dict(state)
        time.sleep(0.05)
    pytest.fail("the upload never got halfway")


def _parts_in_s3(stack: Stack, state: dict[str, object]) -> set[int]:
    s3 = stack.client("s3")
    uploads = s3.list_multipart_uploads(Bucket=RESOURCES.uploads_bucket, Prefix="incoming/")
    (upload,) = [u for u in uploads.get("Uploads", []) if u["UploadId"] == state["upload_id"]]
    parts = s3.list_parts(Bucket=RESOURCES.uploads_bucket, Key=upload["Key"], UploadId=state["upload_id"])
    return {int(p["PartNumber"]) for p in parts.get("Parts", [])}


def test_read_commands_print_json_and_bad_arguments_exit_2(env: dict[str, str]) -> None:
    assert isinstance(cli_json(env, "list"), list)

    missing = run_cli(env, "status", "no-such-recipe")
    assert missing.returncode == 1
    assert missing.stderr.startswith("circulion: error:") and "Traceback" not in missing.stderr

    assert isinstance(cli_json(env, "dlq", "list"), list)

    usage = run_cli(env, "upload", "--wait")
    assert usage.returncode == 2 and "usage: circulion upload" in usage.stderr
