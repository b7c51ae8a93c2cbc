"""The ``stack`` session fixture: the whole local stack, started once per test session.

``CIRCULION_PORT_OFFSET=<your offset> pytest tests/stack -m stack`` starts
``python -m circulion_local run`` on that offset with a fresh state directory, waits for
``ready.json``, and stops it (SIGINT, as Ctrl-C would) after the last test.

To reuse a stack that is already running (``make run`` in another terminal):
``CIRCULION_STACK_RUNNING=1 [CIRCULION_STATE_DIR=.local-state] pytest tests/stack -m stack``.

One stack per session: do not run stack tests with ``-n`` (xdist workers would each start
one on the same ports).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from chaos_runtime import ChaosRuntime, chaos_ports
from support import LOG_FILE, REPO_ROOT, Stack, read_ready, start_runtime, stop_process, tail

from circulion_local.ports import LocalPorts

START_TIMEOUT_S = float(os.environ.get("CIRCULION_STACK_START_TIMEOUT", "120"))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The running local stack (started here unless ``CIRCULION_STACK_RUNNING=1``)."""
    if os.environ.get("CIRCULION_STACK_RUNNING") == "1":
        yield _running_stack()
        return
    ports = LocalPorts.from_env()
    state_dir = tmp_path_factory.mktemp("circulion-stack")
    log_path = state_dir / LOG_FILE
    command = [
        sys.executable,
        "-m",
        "circulion_local",
        "run",
        "--port-offset",
        str(ports.offset),
        "--state-dir",
        str(state_dir),
    ]
    with log_path.open("wb") as log:
        process = start_runtime(command, log)
    try:
        ready = _wait_for_ready(process, state_dir, log_path)
        yield Stack(ports=ports, state_dir=state_dir, log_path=log_path, ready=ready)
    finally:
        stop_process(process)


def _wait_for_ready(process: subprocess.Popen[bytes], state_dir: Path, log_path: Path) -> dict[str, object]:
    deadline = time.monotonic() + START_TIMEOUT_S
    while (ready := read_ready(state_dir)) is None:
        if process.poll() is not None:
            pytest.fail(f"the local stack exited ({process.returncode}) before it was ready:\n{tail(log_path)}")
        if time.monotonic() > deadline:
            stop_process(process)
            pytest.fail(f"the local stack was not ready within {START_TIMEOUT_S:.0f} s:\n{tail(log_path)}")
        time.sleep(0.5)
    return ready


def _running_stack() -> Stack:
    state_dir = Path(os.environ.get("CIRCULION_STATE_DIR", REPO_ROOT / ".local-state")).resolve()
    ready = read_ready(state_dir)
    if ready is None:
        pytest.fail(f"CIRCULION_STACK_RUNNING=1 but {state_dir}/ready.json is missing: is `make run` up?")
    ports = LocalPorts(int(ready.get("ports", {}).get("offset", LocalPorts.from_env().offset)))
    return Stack(ports=ports, state_dir=state_dir, log_path=state_dir / "logs" / "runtime.log", ready=ready)


@pytest.fixture(scope="session")
def chaos_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChaosRuntime]:
    """A second stack with chaos on and fast redelivery, whose runtime a test may kill and
    restart (its own emulator; see ``chaos_runtime.py``). Started once, for the fault tests."""
    runtime = ChaosRuntime(ports=chaos_ports(), state_dir=tmp_path_factory.mktemp("circulion-chaos"))
    try:
        runtime.start()
        yield runtime
    finally:
        runtime.stop()
