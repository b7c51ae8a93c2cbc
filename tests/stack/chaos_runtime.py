"""A second local stack for fault tests: its own emulator, a runtime that can be killed.

The ``stack`` session fixture runs one ``circulion_local run`` that owns its emulator.
Fault tests need more: chaos switched on, short redelivery, and a runtime they can SIGKILL
and start again while the emulator (queues, tables, buckets: the work in flight) lives on.
:class:`ChaosRuntime` starts ``moto.server`` itself and runs the runtime with
``--attach-emulator --fast-redelivery``, on ``CIRCULION_CHAOS_PORT_OFFSET`` (default: the
session's offset + 50, so it never collides with the ``stack`` fixture's ports).
"""

from __future__ import annotations

import collections
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from support import Stack, read_ready, start_runtime, stop_process, tail

from circulion_local.chaos import LOG_PATTERN
from circulion_local.ports import HOST, LocalPorts

START_TIMEOUT_S = float(os.environ.get("CIRCULION_STACK_START_TIMEOUT", "120"))
CHAOS_SPEC = os.environ.get("CIRCULION_CHAOS_SPEC", "kill=0.2,duplicate=0.15,delay=0.15,delay_max=6,kill_window=0.4")
CHAOS_SEED = int(os.environ.get("CIRCULION_CHAOS_SEED", "20261122"))
FAST_REDELIVERY_S = int(os.environ.get("CIRCULION_CHAOS_FAST_REDELIVERY", "20"))
"""Function timeout cap: a crashed batch is back after 25 s, a poisoned one dead-lettered
after 4 receives in ~2 minutes, and still ample for the soak's 200 MB validation."""


def chaos_ports() -> LocalPorts:
    raw = os.environ.get("CIRCULION_CHAOS_PORT_OFFSET")
    return LocalPorts(int(raw) if raw else LocalPorts.from_env().offset + 50)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


@dataclass
class ChaosRuntime:
    """An emulator plus a restartable runtime with chaos and fast redelivery."""

    ports: LocalPorts
    state_dir: Path
    chaos: str = CHAOS_SPEC
    seed: int = CHAOS_SEED
    fast_redelivery_s: int = FAST_REDELIVERY_S
    emulator: subprocess.Popen[bytes] | None = None
    runtime: subprocess.Popen[bytes] | None = None
    starts: int = 0
    stack: Stack | None = field(default=None, repr=False)

    @property
    def log_path(self) -> Path:
        return self.state_dir / "stack.log"

    @property
    def runtime_log(self) -> Path:
        """The runtime's own log (all starts, appended): fault lines are counted here."""
        return self.state_dir / "logs" / "runtime.log"

    def start(self) -> Stack:
        """Start the emulator (first time only) and a runtime; returns the ready stack."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self.emulator is None:
            if _listening(self.ports.emulator):
                raise RuntimeError(f"port {self.ports.emulator} is taken: set CIRCULION_CHAOS_PORT_OFFSET")
            with (self.state_dir / "emulator.log").open("ab") as log:
                self.emulator = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "circulion_local.emulator.server",  # what the runtime itself starts
                        "--host",
                        HOST,
                        "--port",
                        str(self.ports.emulator),
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        command = [
            sys.executable,
            "-m",
            "circulion_local",
            "run",
            "--port-offset",
            str(self.ports.offset),
            "--state-dir",
            str(self.state_dir),
            "--attach-emulator",
            "--fast-redelivery",
            str(self.fast_redelivery_s),
            "--chaos",
            self.chaos,
            "--chaos-seed",
            str(self.seed + self.starts),  # a restarted runtime does not replay the same faults
        ]
        (self.state_dir / "ready.json").unlink(missing_ok=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _emulator_answers(self.ports):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not answer:\n{tail(self.state_dir / 'emulator.log')}")
            time.sleep(0.2)
        with self.log_path.open("ab") as log:
            self.runtime = start_runtime(command, log)
        self.starts += 1
        while (ready := read_ready(self.state_dir)) is None:
            if self.runtime.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the chaos runtime did not get ready:\n{tail(self.log_path)}")
            time.sleep(0.5)
        self.stack = Stack(ports=self.ports, state_dir=self.state_dir, log_path=self.runtime_log, ready=ready)
        return self.stack

    def kill_runtime(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Kill the runtime (not the emulator) and wait until its servers let go of their ports.

        After SIGKILL its workers finish their current invocation and exit (EOF on their
        socket); the API server exits once it sees its parent gone.
        """
        assert self.runtime is not None
        self.runtime.send_signal(sig)
        self.runtime.wait(timeout=60)
        self.runtime = None
        deadline = time.monotonic() + 30
        while any(_listening(p) for p in (self.ports.api, self.ports.edge, self.ports.issuer)):
            if time.monotonic() > deadline:
                raise RuntimeError("the killed runtime's servers still hold their ports")
            time.sleep(0.2)

    def fault_counts(self) -> collections.Counter[str]:
        """Injected faults by kind, from the runtime log (every start)."""
        try:
            text = self.runtime_log.read_text(errors="replace")
        except OSError:
            return collections.Counter()
        return collections.Counter(m.group(1) for m in LOG_PATTERN.finditer(text))

    def kills_of(self, label: str) -> int:
        """How many invocations of ``label`` (``service.function``) chaos SIGKILLed so far."""
        try:
            text = self.runtime_log.read_text(errors="replace")
        except OSError:
            return 0
        return sum(1 for m in LOG_PATTERN.finditer(text) if m.group(1) == "kill" and m.group(2) == label)

    def stop(self) -> None:
        if self.runtime is not None:
            stop_process(self.runtime)
            self.runtime = None
        if self.emulator is not None:
            stop_process(self.emulator, grace_s=10)
            self.emulator = None


def _emulator_answers(ports: LocalPorts) -> bool:
    from circulion_local.emulator.process import answers

    return answers(ports.endpoint_url)
