"""A second ``make run`` leaves the running stack alone and says why (issue 15.14); the
banner says what a restart loses (15.13)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from circulion_local import run_lock
from circulion_local.banner import banner
from circulion_local.ports import EMULATOR_PORT, LocalPorts

RUN = [sys.executable, "-m", "circulion_local", "run"]


def test_a_second_run_on_the_same_state_dir_leaves_the_first_alone(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    with run_lock.acquire(tmp_path, LocalPorts(250)):  # the running stack
        ready.write_text('{"pid": 1}')

        second = subprocess.run(
            [*RUN, "--state-dir", str(tmp_path), "--port-offset", "251"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert second.returncode == 1
    assert "circulion-local is already running with the state directory" in second.stderr
    assert "port offset 250" in second.stderr
    assert "CIRCULION_PORT_OFFSET=N make run" in second.stderr
    assert "Traceback" not in second.stderr + second.stdout
    assert ready.read_text() == '{"pid": 1}'  # the running stack's ready file is untouched
    assert not (tmp_path / "logs").exists()  # nor its logs


def test_the_lock_is_released_when_its_holder_ends(tmp_path: Path) -> None:
    with run_lock.acquire(tmp_path, LocalPorts(0)), pytest.raises(run_lock.StackAlreadyRunning):
        run_lock.acquire(tmp_path, LocalPorts(0))
    run_lock.acquire(tmp_path, LocalPorts(0)).close()


def test_each_port_offset_gets_its_own_default_state_dir() -> None:
    assert run_lock.default_state_dir(LocalPorts(0)) == Path(".local-state")
    assert run_lock.default_state_dir(LocalPorts(200)) == Path(".local-state/offset-200")


class _MotoLookalike(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def taken_emulator_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MotoLookalike)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_taken_ports_are_one_clean_message_without_a_traceback(tmp_path: Path, taken_emulator_port: int) -> None:
    offset = taken_emulator_port - EMULATOR_PORT

    second = subprocess.run(
        [*RUN, "--state-dir", str(tmp_path), "--port-offset", str(offset)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert second.returncode == 1
    assert f"could not start: port {taken_emulator_port} already answers" in second.stdout
    assert "Traceback" not in second.stdout + second.stderr


def test_the_banner_says_a_restart_loses_every_recipe_but_not_the_tokens() -> None:
    ready = {
        "auxiliary": {},
        "ports": {"offset": 0, "xray_daemon": 2000},
        "api_url": "http://127.0.0.1:8000",
        "endpoint_url": "http://127.0.0.1:4566",
        "edge_url": "",
        "issuer_url": "",
        "functions": [],
        "logs": {"functions": "f", "runtime": "r"},
    }
    text = " ".join(" ".join(banner(ready)).split())
    assert "after a restart every recipe is gone, while tokens from before still work" in text
