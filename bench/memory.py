"""Peak RSS (and CPU time) of every process of the stack, by function, from the kernel.

Each process's high-water mark (``VmHWM`` in ``/proc/PID/status``) is exact, unlike
sampling RSS; :meth:`MemoryWatch.reset` clears it (``clear_refs`` 5) at the start of a
scenario so each scenario reports its own peak. A thread polls the process tree to catch
processes that exit mid-run (a worker killed after a timeout) and new ones. CPU seconds
per role since the reset show where a scenario's time goes on a 2-core machine.
"""

from __future__ import annotations

import contextlib
import threading
from collections import defaultdict
from pathlib import Path

import psutil

POLL_S = 0.5


def role(process: psutil.Process) -> str:
    """``service.function`` for a function worker, ``emulator``, ``runtime``, or the command."""
    with contextlib.suppress(psutil.Error):
        cmdline = process.cmdline()
        if "circulion_local.emulator.server" in cmdline or any("moto" in part for part in cmdline[:3]):
            return "emulator"
        if "circulion_local.runtime.worker_main" in cmdline:
            env = process.environ()
            service = Path(process.cwd()).name
            return f"{service}.{env.get('_HANDLER', '?').rpartition('.')[2]}"
        if "circulion_local.runtime.api_server" in cmdline:
            return f"{Path(cmdline[cmdline.index('circulion_local.runtime.api_server') + 1]).name}.api"
        if "circulion_local" in cmdline:
            return "runtime"
        return Path(cmdline[0]).name if cmdline else "?"
    return "?"


def _cpu(process: psutil.Process) -> float:
    """User + system seconds of ``process`` (its own, not its children's); 0 once it is gone."""
    with contextlib.suppress(psutil.Error):
        times = process.cpu_times()
        return float(times.user + times.system)
    return 0.0


def high_water_bytes(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


class MemoryWatch:
    """Polls the tree under ``root_pid``; :meth:`peaks` gives the largest peak per role."""

    def __init__(self, root_pid: int) -> None:
        self._root = psutil.Process(root_pid)
        self._peaks: dict[int, tuple[str, int]] = {}
        self._roles: dict[int, str] = {}
        self._cpu_start: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> MemoryWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def reset(self) -> None:
        """Forget earlier peaks: each process's high-water mark starts again from its RSS."""
        with self._lock:
            self._peaks.clear()
            self._cpu_last.clear()
            self._cpu_start = {p.pid: _cpu(p) for p in self._tree()}
            for process in self._tree():
                with contextlib.suppress(OSError):
                    Path(f"/proc/{process.pid}/clear_refs").write_text("5")

    def peaks(self) -> dict[str, dict[str, float]]:
        """Per role: the largest single-process peak (MiB) and how many processes had it."""
        self._sample()
        by_role: dict[str, list[int]] = defaultdict(list)
        cpu: dict[str, float] = defaultdict(float)
        with self._lock:
            for name, peak in self._peaks.values():
                by_role[name].append(peak)
            for pid, seconds in self._cpu_last.items():
                cpu[self._roles.get(pid, "?")] += seconds - self._cpu_start.get(pid, 0.0)
        return {
            name: {"peak_mib": round(max(values) / 2**20, 1), "processes": len(values), "cpu_s": round(cpu[name], 1)}
            for name, values in sorted(by_role.items())
        }

    def _tree(self) -> list[psutil.Process]:
        with contextlib.suppress(psutil.Error):
            return [self._root, *self._root.children(recursive=True)]
        return []

    def _sample(self) -> None:
        for process in self._tree():
            pid = process.pid
            name = self._roles.get(pid) or self._roles.setdefault(pid, role(process))
            peak = high_water_bytes(pid)
            seconds = _cpu(process)
            with self._lock:
                if seconds:
                    self._cpu_last[pid] = seconds
                if peak > self._peaks.get(pid, ("", 0))[1]:
                    self._peaks[pid] = (name, peak)

    def _loop(self) -> None:
        while not self._stop.wait(POLL_S):
            self._sample()
