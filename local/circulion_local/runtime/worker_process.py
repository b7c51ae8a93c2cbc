"""The runtime's handle on one worker process (one warm Lambda execution environment).

Each concurrent invocation gets its own process, as in Lambda: X-Ray's Lambda mode keeps
the trace id in a process-wide variable, so threads would mix traces. A worker is started
on first use (cold start), reused while it stays healthy (warm), killed when an invocation
overruns the function's timeout, and replaced after a crash. Workers run in their own
session so a terminal's Ctrl-C reaches only the runtime, which then stops them in order;
a worker whose runtime died exits at its next read (EOF on the socket).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, Literal

from circulion_local.iam.sessions import RoleSession, SessionCredentials

INIT_TIMEOUT_S = 30.0
"""Lambda allows 10 s of init; imports on a busy two-core machine can take longer."""

STOP_GRACE_S = 2.0

Status = Literal["returned", "error", "timeout", "crashed"]


@dataclass(frozen=True)
class Invocation:
    """How one invocation went, from the runtime's side."""

    status: Status
    response: object = None
    error: str | None = None
    duration_ms: float = 0.0
    init_ms: float | None = None  # set on a cold start
    chaos_killed: bool = False  # SIGKILLed on purpose by the runtime's chaos


class WorkerProcess:
    """One worker process running one function's handler."""

    def __init__(
        self, app_dir: Path, environment: Mapping[str, str], log: IO[bytes], role: RoleSession | None = None
    ) -> None:
        self._app_dir = app_dir
        self._environment = dict(environment)
        self._role = role  # the function's role: each process starts with a fresh session of it
        self._credentials: SessionCredentials | None = None
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _start(self) -> tuple[Status, str | None, float]:
        parent, child = socket.socketpair()
        command = [sys.executable, "-m", "circulion_local.runtime.worker_main", str(child.fileno()), str(self._app_dir)]
        started = time.monotonic()
        environment = self._environment
        if self._role is not None:
            self._credentials = self._role.current()
            environment = {**environment, **self._credentials.environment()}
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            cwd=self._app_dir,
            env=environment,
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        child.close()
        self._connection = Connection(parent.detach())
        status, reply = self._receive(INIT_TIMEOUT_S)
        init_ms = (time.monotonic() - started) * 1000
        if status != "returned":
            self.kill()
            return status, f"init {status}", init_ms
        if reply.get("type") != "ready":
            self.kill()
            error = reply.get("error", {})
            return "error", f"{error.get('errorType')}: {error.get('errorMessage')}", init_ms
        return "returned", None, init_ms

    def _receive(self, timeout_s: float) -> tuple[Status, dict[str, Any]]:
        assert self._connection is not None
        try:
            if not self._connection.poll(timeout_s):
                return "timeout", {}
            return "returned", json.loads(self._connection.recv_bytes())
        except (EOFError, OSError):
            return "crashed", {}

    def _receive_or_kill(self, timeout_s: float, kill_after_s: float | None) -> tuple[Status, dict[str, Any]]:
        """The reply, unless a chaos kill is due first: then the worker is SIGKILLed mid-invocation."""
        if kill_after_s is None or kill_after_s >= timeout_s:
            return self._receive(timeout_s)
        status, reply = self._receive(kill_after_s)
        if status != "timeout":
            return status, reply
        return "crashed", {"chaos_killed": True, "code": self.kill()}

    def invoke(self, event: object, timeout_s: float, kill_after_s: float | None = None) -> Invocation:
        """Run one invocation, starting the process first if it is not warm.

        ``kill_after_s`` (chaos only): SIGKILL the worker that long after the invocation
        started if it is still running, as a crashed execution environment would die.
        """
        init_ms = None
        if self.alive and self._role is not None and self._credentials and self._role.stale(self._credentials):
            self.stop()  # credentials about to expire: a new process gets a new session (iam.sessions)
        if not self.alive:
            self.kill()
            status, error, init_ms = self._start()
            if status != "returned":
                return Invocation(status, error=error, init_ms=init_ms)
        assert self._connection is not None
        request_id = str(uuid.uuid4())
        deadline_ms = int((time.time() + timeout_s) * 1000)
        started = time.monotonic()
        try:
            self._connection.send_bytes(
                json.dumps(
                    {"type": "invoke", "request_id": request_id, "deadline_ms": deadline_ms, "event": event}
                ).encode()
            )
        except OSError:
            self.kill()
            return Invocation("crashed", error="worker gone before the invocation", init_ms=init_ms)
        status, reply = self._receive_or_kill(timeout_s, kill_after_s)
        duration_ms = (time.monotonic() - started) * 1000
        if status == "timeout":
            self.kill()
            return Invocation(
                "timeout",
                error=f"Task timed out after {timeout_s:.2f} seconds",
                duration_ms=duration_ms,
                init_ms=init_ms,
            )
        if status == "crashed":
            killed = bool(reply.get("chaos_killed"))
            code = reply.get("code") if killed else self.kill()
            return Invocation(
                "crashed",
                error=f"chaos: SIGKILL after {kill_after_s} s (code {code})"
                if killed
                else f"worker exited (code {code})",
                duration_ms=duration_ms,
                init_ms=init_ms,
                chaos_killed=killed,
            )
        if reply.get("ok"):
            return Invocation("returned", response=reply.get("response"), duration_ms=duration_ms, init_ms=init_ms)
        error = reply.get("error", {})
        return Invocation(
            "error",
            error=f"{error.get('errorType')}: {error.get('errorMessage')}",
            duration_ms=duration_ms,
            init_ms=init_ms,
        )

    def kill(self) -> int | None:
        """Kill the worker and anything it started; its exit code (negative: signal)."""
        process, self._process = self._process, None
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if process is None:
            return None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return process.wait()

    def release(self) -> None:
        """Close the socket: an idle worker exits at once, a busy one after its invocation."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        """Stop gracefully (release, a short grace period), then kill what is left."""
        process = self._process
        self.release()
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(STOP_GRACE_S)
        self.kill()
