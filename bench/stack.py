"""The local stack a benchmark runs against: started with its own port offset and state
directory, stopped (SIGINT, as Ctrl-C) afterwards.

Chunk-worker concurrency 1 runs a copy of the splitter whose ``local`` stage sets
``reserved_concurrency`` 1 for ``process_chunk`` instead of the 2 the real ``local`` stage
sets (the app's ``maximum_concurrency`` is sized for AWS, the runtime's ``--concurrency``
only applies to functions without a limit), under the name ``splitter-c1``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from circulion_local.emulator.tally import TALLY_ENV
from circulion_local.ports import LocalPorts

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("upload", "splitter", "merger", "distributor")
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


def _splitter_copy(workdir: Path, chunk_workers: int) -> Path:
    target = workdir / f"splitter-c{chunk_workers}"
    shutil.copytree(
        REPO / "services" / "splitter", target, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.pyc")
    )
    config_path = target / ".chalice" / "config.json"
    config = json.loads(config_path.read_text())
    config["stages"]["local"]["lambda_functions"]["process_chunk"]["reserved_concurrency"] = chunk_workers
    config_path.write_text(json.dumps(config, indent=2))
    return target


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def local_stack(offset: int, workdir: Path, *, chunk_workers: int = 2) -> Iterator[RunningStack]:
    """``python -m circulion_local run`` on ``offset``; yields once ``ready.json`` exists."""
    state_dir = workdir / f"state-c{chunk_workers}"
    state_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "circulion_local", "run", "--port-offset", str(offset)]
    command += ["--state-dir", str(state_dir)]
    if chunk_workers != 2:
        copy = _splitter_copy(workdir, chunk_workers)
        command += ["--services", ",".join([s for s in SERVICES if s != "splitter"] + [copy.name])]
        command += ["--app-dir", str(copy)]
    log = (workdir / f"stack-c{chunk_workers}.log").open("wb")
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
            # The one-worker copy runs as "splitter-c1", a service the permission map has no
            # roles for; it measures concurrency, so it runs without IAM enforcement.
            **({"CIRCULION_ENFORCE_IAM": "0"} if chunk_workers != 2 else {}),
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
