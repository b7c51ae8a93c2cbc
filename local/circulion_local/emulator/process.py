"""The embedded AWS endpoint: moto in server mode, in its own process.

The emulator is CPU-heavy (every S3 byte and SQS poll goes through it); a separate process
keeps it off the runtime's GIL. It runs in its own session so a Ctrl-C in the terminal
reaches the supervisor only, which stops handlers first and the emulator last; on Linux it
also dies with its parent (``PR_SET_PDEATHSIG``), so a killed supervisor leaves no orphan
holding the port.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

from circulion.errors import ConfigurationError
from circulion_local.iam.enforcement import ENFORCE_ENV
from circulion_local.ports import HOST, LocalPorts
from circulion_local.readiness import wait_until_answering

START_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0
_PR_SET_PDEATHSIG = 1


class EmulatorError(ConfigurationError):
    """The emulator could not be started (port taken, process died, never answered)."""

    code = "emulator_error"


class Emulator:
    """A running ``moto_server``; :meth:`stop` ends it (it is a ``Stoppable``)."""

    def __init__(
        self, process: subprocess.Popen[bytes], ports: LocalPorts, log_path: Path, log_file: IO[bytes]
    ) -> None:
        self._process = process
        self._log_file = log_file
        self.ports = ports
        self.log_path = log_path

    @property
    def endpoint_url(self) -> str:
        return self.ports.endpoint_url

    @property
    def pid(self) -> int:
        return self._process.pid

    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after a grace period); idempotent."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log_file.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_emulator(ports: LocalPorts, log_path: Path, *, enforce_iam: bool = True) -> Emulator:
    """Start moto's server on ``127.0.0.1:ports.emulator`` and wait until it answers.

    Parameters
    ----------
    ports
        Where the stack listens; only ``ports.emulator`` is used.
    log_path
        The server's stdout and stderr go here (appended).
    enforce_iam
        Whether it checks requests against their caller's role (:mod:`circulion_local.iam`).

    Raises
    ------
    EmulatorError
        When the port is already taken, the process exits, or it does not answer within
        :data:`START_TIMEOUT_S` (the message carries the end of its log).
    """
    if answers(ports.endpoint_url):
        raise EmulatorError(
            f"port {ports.emulator} already answers: another stack runs with this offset "
            f"(choose another with --port-offset / CIRCULION_PORT_OFFSET)"
        )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("ab")
    process = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
        # moto.server, patched (see circulion_local.emulator.server)
        [sys.executable, "-m", "circulion_local.emulator.server", "--host", HOST, "--port", str(ports.emulator)],
        env={**os.environ, ENFORCE_ENV: "1" if enforce_iam else "0"},
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=die_with_parent,  # noqa: PLW1509 - only calls prctl before exec
    )
    emulator = Emulator(process, ports, log_path, log_file)
    if not wait_until_answering(process, lambda: answers(ports.endpoint_url), START_TIMEOUT_S):
        emulator.stop()
        reason = "exited" if process.returncode is not None else f"did not answer in {START_TIMEOUT_S:.0f} s"
        raise EmulatorError(f"moto_server on port {ports.emulator} {reason}:\n{_tail(log_path)}")
    return emulator


def answers(url: str) -> bool:
    """Whether an emulator answers at ``url`` (moto's ``/moto-api/``)."""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=1) as response:  # noqa: S310 - loopback URL we built
            return bool(response.status == 200)
    except (TimeoutError, urllib.error.URLError, OSError):
        return False


def die_with_parent() -> None:
    """In a child before exec: receive SIGTERM when the parent dies (Linux)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
