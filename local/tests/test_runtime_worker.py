"""Worker processes: warm reuse, errors, timeouts, crashes, init failures (no AWS needed)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from circulion_local.runtime.worker_process import WorkerProcess

APP = """
import os, time
CALLS = []

def handler(event, context):
    CALLS.append(1)
    action = event.get("action")
    if action == "raise":
        raise ValueError("bad input")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "exit":
        os._exit(7)
    if action == "unserialisable":
        return {"value": object()}
    return {
        "pid": os.getpid(),
        "calls": len(CALLS),
        "function_name": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "cwd": os.getcwd(),
    }
"""


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


@pytest.fixture
def log(tmp_path: Path) -> Iterator[IO[bytes]]:
    with (tmp_path / "function.log").open("ab") as handle:
        yield handle


def _environment(handler: str = "app.handler") -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "_HANDLER": handler,
        "AWS_LAMBDA_FUNCTION_NAME": "circulion-test-local-handler",
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }


@pytest.fixture
def worker(app_dir: Path, log: IO[bytes]) -> Iterator[WorkerProcess]:
    process = WorkerProcess(app_dir, _environment(), log)
    yield process
    process.kill()


def test_first_invocation_is_cold_then_warm_in_the_same_process(worker: WorkerProcess, app_dir: Path) -> None:
    first = worker.invoke({}, timeout_s=30)
    second = worker.invoke({}, timeout_s=30)
    assert first.status == "returned"
    assert first.init_ms is not None
    assert second.init_ms is None
    assert isinstance(first.response, dict)
    assert isinstance(second.response, dict)
    assert first.response["pid"] == second.response["pid"] == worker.pid
    assert second.response["calls"] == 2  # the module was imported once
    assert first.response["request_id"] != second.response["request_id"]
    assert first.response["function_name"] == "circulion-test-local-handler"
    assert 0 < first.response["remaining_ms"] <= 30_000
    assert Path(first.response["cwd"]) == app_dir


def test_handler_exception_is_an_error_and_the_worker_stays_warm(worker: WorkerProcess, tmp_path: Path) -> None:
    failed = worker.invoke({"action": "raise"}, timeout_s=30)
    assert failed.status == "error"
    assert failed.error == "ValueError: bad input"
    pid = worker.pid
    assert worker.invoke({}, timeout_s=30).status == "returned"
    assert worker.pid == pid
    assert b"[ERROR] ValueError: bad input" in (tmp_path / "function.log").read_bytes()


def test_unserialisable_response_is_a_marshal_error(worker: WorkerProcess) -> None:
    result = worker.invoke({"action": "unserialisable"}, timeout_s=30)
    assert result.status == "error"
    assert result.error is not None
    assert result.error.startswith("Runtime.MarshalError")


def test_timeout_kills_the_worker_and_the_next_invocation_cold_starts(worker: WorkerProcess) -> None:
    assert worker.invoke({}, timeout_s=30).status == "returned"
    pid = worker.pid
    assert pid is not None
    timed_out = worker.invoke({"action": "sleep", "seconds": 60}, timeout_s=1)
    assert timed_out.status == "timeout"
    assert not worker.alive
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    again = worker.invoke({}, timeout_s=30)
    assert again.status == "returned"
    assert again.init_ms is not None
    assert worker.pid != pid


def test_crash_is_reported_and_the_worker_replaced(worker: WorkerProcess) -> None:
    crashed = worker.invoke({"action": "exit"}, timeout_s=30)
    assert crashed.status == "crashed"
    assert crashed.error == "worker exited (code 7)"
    assert worker.invoke({}, timeout_s=30).status == "returned"


def test_import_failure_is_an_init_error(app_dir: Path, log: IO[bytes]) -> None:
    broken = WorkerProcess(app_dir, _environment("app.missing"), log)
    result = broken.invoke({}, timeout_s=30)
    assert result.status == "error"
    assert result.error is not None
    assert result.error.startswith("Runtime.ImportModuleError")
    assert not broken.alive
