"""The benchmark's scenarios, each run against a stack and recorded with what that stack held.

:class:`Scenarios` starts a stack (:meth:`Scenarios.stack`), runs scenarios on it and files
their figures, peak memory, CPU and usage into the results document. Every scenario also
gets an entry in ``results["order"]``: which stack it ran on, in which position, and the
stack's contents (:mod:`bench.state`) before and after it, so a figure can be read with
what the emulator was carrying at the time.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import baseline, driver, offered, state
from bench.bill import Usage
from bench.events import EventLog
from bench.inputs import write_asset, write_stream
from bench.memory import MemoryWatch
from bench.stack import RunningStack, local_stack
from bench.usage import TALLY_LAG_S, UsageMeter, per_recipe

MiB = 1024 * 1024


@dataclass(frozen=True)
class Running:
    """One started stack and what watches it."""

    name: str
    stack: RunningStack
    watch: MemoryWatch
    events: EventLog


class Scenarios:
    """Runs scenarios on the current stack; ``write`` is called after each (an interrupted run keeps its figures)."""

    def __init__(
        self,
        offset: int,
        work: Path,
        results: dict[str, Any],
        write: Callable[[], None],
        say: Callable[[str], None],
        timeout_s: float,
    ) -> None:
        self._offset, self._work, self._timeout = offset, work, timeout_s
        self._results, self._write, self._say = results, write, say
        self._running: Running | None = None

    @contextlib.contextmanager
    def stack(self, name: str, *, chunk_workers: int = 2) -> Iterator[None]:
        """A fresh stack (its own empty state directory) for the scenarios run inside."""
        began = time.monotonic()
        with local_stack(self._offset, self._work, name, chunk_workers=chunk_workers) as stack:
            self._say(f"stack {name!r} ready in {time.monotonic() - began:.0f} s")
            watch = MemoryWatch(stack.pid).start()
            events = EventLog(stack.ports).start()
            self._running = Running(name, stack, watch, events)
            try:
                yield
            finally:
                self._running = None
                events.stop()
                watch.stop()

    @property
    def _now(self) -> Running:
        if self._running is None:
            raise RuntimeError("a scenario runs inside Scenarios.stack()")
        return self._running

    @contextlib.contextmanager
    def _recorded(self, key: str) -> Iterator[None]:
        """Order, the stack's contents before and after, and the scenario's wall time."""
        now = self._now
        position = sum(1 for entry in self._results["order"] if entry["stack"] == now.name) + 1
        entry: dict[str, Any] = {"scenario": key, "stack": now.name, "on_stack": position}
        entry |= {"started": datetime.now(UTC).isoformat(timespec="seconds"), "before": state.sample(now.stack)}
        self._results["order"].append(entry)
        time.sleep(TALLY_LAG_S)  # the sample's own requests are in the tally before the scenario's meter starts
        began = time.monotonic()
        yield
        entry["seconds"] = round(time.monotonic() - began, 1)
        entry["after"] = state.sample(now.stack)

    def large(self, kind: str, mib: int, *, with_baseline: bool, workers: int = 2) -> None:
        now, results = self._now, self._results
        path = self._work / f"{kind}-{mib}.bin"
        (write_stream if kind == "stream" else write_asset)(path, mib * MiB)
        if with_baseline:
            base = baseline.run(path, kind, self._work)
            load = round(os.getloadavg()[0], 2)
            results["baseline"].append(base.__dict__ | {"mb_s": round(base.mb_s, 2), "load_1m": load})
            self._say(f"baseline {kind} {mib} MiB: {base.seconds:.1f} s, {base.mb_s:.1f} MB/s")
        label = f"{kind} {mib} MiB, {workers} {'worker' if workers == 1 else 'workers'}"
        with self._recorded(label):
            now.watch.reset()
            meter = UsageMeter(now.stack).start()
            row = driver.run_large(now.stack.ports, now.events, path, kind, workers, self._timeout)
            usage = meter.stop(1)
        path.unlink()
        # "scenario": the key of its memory/CPU figures (the size in it is the one asked for;
        # a stream's file overshoots by up to a batch of lines).
        result = row.as_json() | {"scenario": label, "load_1m": round(os.getloadavg()[0], 2)}
        if workers == 2:  # the bill and bench.capacity read the two-worker runs by "kind size"
            results["usage"][f"{kind} {mib} MiB"] = usage.as_json()
            # The whole recipe's requests (upload included): bench.capacity derives per-chunk figures.
            result["emulator_requests"] = per_recipe({}, usage.requests, 1)
        if with_baseline:
            result["baseline_mb_s"] = results["baseline"][-1]["mb_s"]
        results["large"].append(result)
        results["memory"][label] = now.watch.peaks()
        self._write()
        self._say(f"{label}: {row.status}, processing {row.processing_s} s ({row.mb_s:.1f} MB/s) {row.stages}")

    def small(self, key: str, count: int, clients: int, rate_per_s: float | None) -> None:
        """``count`` documents by ``clients`` threads, flat out (``rate_per_s`` None) or paced."""
        now = self._now
        with self._recorded(key):
            now.watch.reset()
            meter = UsageMeter(now.stack).start()
            found = driver.run_small(
                now.stack.ports, now.events, count, clients, self._timeout, rate_per_s=rate_per_s, prefix=key
            )
            usage = meter.stop(found["count"] + clients)  # the warm-up recipes count
        self._file(key, f"{key} x{count}", found, usage, meter.observer_requests)

    def offered(self, rate_per_s: float, duration_s: float, warm: int) -> None:
        """Small documents offered at ``rate_per_s`` for ``duration_s`` (open loop)."""
        now = self._now
        with self._recorded("offered"):
            now.watch.reset()
            meter = UsageMeter(now.stack).start()
            found = offered.run_offered(now.stack.ports, now.events, rate_per_s, duration_s, self._timeout, warm=warm)
            usage = meter.stop(found["offered"] + warm)
        self._file("offered", f"offered {rate_per_s:g}/s x{duration_s:g} s", found, usage, meter.observer_requests)

    def _file(self, key: str, memory_key: str, found: dict[str, Any], usage: Usage, observer: dict[str, int]) -> None:
        self._results["usage"][key] = usage.as_json()
        found["emulator_requests_per_recipe"] = per_recipe({}, usage.requests, usage.recipes)
        # The benchmark's own requests (its event probe), left out of the pipeline's figure above.
        found["observer_requests_per_recipe"] = per_recipe({}, observer, usage.recipes)
        found["load_1m"] = round(os.getloadavg()[0], 2)
        self._results[key] = found
        self._results["memory"][memory_key] = self._now.watch.peaks()
        self._write()
        self._say(f"{key}: { ({k: v for k, v in found.items() if k != 'latencies'}) }")
