"""The local stack a benchmark runs against: started with its own port offset and state
directory, stopped (SIGINT, as Ctrl-C) afterwards.

Another chunk-worker concurrency than the 2 the splitter's ``local`` stage sets runs the
splitter itself with ``--reserved-concurrency splitter.process_chunk=N`` (the app's
``maximum_concurrency`` is sized for AWS, the runtime's ``--concurrency`` only applies to
functions without a limit): the same code and the same role, under enforced IAM.

Every stack gets a state directory of its own (``name``): a restarted stack starts empty.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from circulion_local.emulator.tally import TALLY_ENV
from circulion_local.port_check import taken_ports
from circulion_local.ports import LocalPorts

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 180.0
TALLY_FILE = "emulator-tally.json"


@dataclass(frozen=True)
class RunningStack:
    ports: LocalPorts
    state_dir: Path
    pid: int

    def emulator_requests(self) -> dict[str, int]:
        """The emulator's requests so far by ``service operation`` (its tally, ~1 s old)."""
        with contextlib.suppress(OSError, ValueError):
            return dict(json.loads((self.state_dir / TALLY_FILE).read_text()))
        return {}


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def local_stack(offset: int, workdir: Path, name: str, *, chunk_workers: int = 2) -> Iterator[RunningStack]:
    """``python -m circulion_local run`` on ``offset`` with a fresh state directory ``name``; yields
    once ``ready.json`` exists."""
    taken = taken_ports(LocalPorts(offset))
    if taken:
        raise RuntimeError(
            f"port offset {offset}: something already listens on {', '.join(taken)} "
            "(another stack, or one whose offset overlaps this one's ports); stop it or pick another --offset"
        )
    state_dir = workdir / f"state-{name}"
    state_dir.mkdir(parents=True)  # never an earlier stack's: each stack starts empty
    command = [sys.executable, "-m", "circulion_local", "run", "--port-offset", str(offset)]
    command += ["--state-dir", str(state_dir)]
    if chunk_workers != 2:
        command += ["--reserved-concurrency", f"splitter.process_chunk={chunk_workers}"]
    log = (workdir / f"stack-{name}.log").open("wb")
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "CIRCULION_LOG_LEVEL": "WARNING",
            TALLY_ENV: str(state_dir / TALLY_FILE),  # the emulator's requests, by operation
        },
        preexec_fn=_default_sigint,  # noqa: PLW1509 - resets one signal: a backgrounded bench still stops it
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (state_dir / "ready.json").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the local stack did not start; see {log.name}")
            time.sleep(0.5)
        time.sleep(0.5)  # ready.json is written last, but let it be complete
        yield RunningStack(LocalPorts(offset), state_dir, process.pid)
    finally:

        def interrupt() -> None:
            process.send_signal(signal.SIGINT)

        steps: tuple[Callable[[], None], ...] = (interrupt, process.terminate, process.kill)
        for step in steps:
            if process.poll() is not None:
                break
            step()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
        log.close()
