"""Small documents offered at a fixed rate (open loop): does the stack keep up, or does a queue build?

Arrivals follow a fixed schedule (one every ``1 / rate`` seconds) whatever the stack does:
an upload that is slow to finish does not delay the next one, as customers do not wait for
each other. A scheduler thread hands each arrival to a pool far larger than the uploads in
flight at the target rate, and records how late each upload started against its slot
(``max_start_lag_s``): a late start means the client, not the stack, fell behind. The
benchmark process's own CPU over the scenario says whether the client could be the
bottleneck on a 2-core machine.

How deep the queue got is read from the lifecycle events afterwards (no extra requests to
the emulator during the measurement): the most recipes between upload completion and
``DISTRIBUTED`` at once, overall and per stage.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import driver
from bench.events import EventLog
from bench.inputs import small_document
from circulion_cli.errors import ClientError
from circulion_local.ports import LocalPorts

UPLOAD_THREADS = 32
"""At 4/s and ~0.3 s per upload about 2 are in flight; 32 leaves room for slow ones."""


def arrivals(rate_per_s: float, duration_s: float) -> list[float]:
    """Seconds after the start at which each upload is offered: ``rate * duration`` of them, evenly spaced.

    Examples
    --------
    >>> arrivals(4.0, 1.0)
    [0.0, 0.25, 0.5, 0.75]
    """
    if rate_per_s <= 0 or duration_s <= 0:
        raise ValueError(f"an offered load needs a positive rate and duration, got {rate_per_s}/s for {duration_s} s")
    return [index / rate_per_s for index in range(round(rate_per_s * duration_s))]


def max_concurrent(intervals: Iterable[tuple[float, float]]) -> int:
    """The most intervals ``[start, end)`` open at once (one ending as another starts does not overlap it).

    Examples
    --------
    >>> max_concurrent([(0, 2), (1, 3), (2, 4)])
    2
    """
    edges = sorted((moment, step) for start, end in intervals for moment, step in ((start, 1), (end, -1)))
    deepest = depth = 0
    for _, step in edges:  # at equal moments -1 sorts before +1: an end frees its place first
        depth += step
        deepest = max(deepest, depth)
    return deepest


def queue_depths(spans: Sequence[dict[str, tuple[float, float]]]) -> dict[str, int]:
    """Per stage (and ``total``), the most recipes in it at once; ``spans`` is per recipe, stage -> (start, end)."""
    stages = sorted({name for span in spans for name in span})
    return {name: max_concurrent(span[name] for span in spans if name in span) for name in stages}


def run_offered(
    ports: LocalPorts, events: EventLog, rate_per_s: float, duration_s: float, timeout_s: float, *, warm: int = 4
) -> dict[str, Any]:
    """Offer small documents at ``rate_per_s`` for ``duration_s``; latency upload complete -> ``DISTRIBUTED``."""
    client = driver.api_client(ports)
    schedule = arrivals(rate_per_s, duration_s)
    completed: dict[str, datetime] = {}
    lags: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="circulion-bench-offered-") as tmp:
        paths = []
        for index in range(len(schedule)):
            path = Path(tmp) / f"offered-{index:04d}.json"
            path.write_bytes(small_document(20_000 + index))
            paths.append(path)
        driver.warm_up(client, events, Path(tmp), warm, timeout_s)

        def upload(path: Path, due: float) -> None:
            with lock:
                lags.append(time.monotonic() - due)
            try:
                outcome = client.upload_file(path, name=path.stem, content_type=driver.CONTENT_TYPES["document"])
            except ClientError as exc:  # a refused or failed upload is a result of the scenario, not a crash
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                return
            with lock:
                completed[outcome.recipe_id] = datetime.now(UTC)

        me = psutil.Process()
        cpu_before = sum(me.cpu_times()[:2])
        started = time.monotonic()
        with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            uploads = []
            for path, offset in zip(paths, schedule, strict=True):
                due = started + offset
                time.sleep(max(0.0, due - time.monotonic()))
                uploads.append(pool.submit(upload, path, due))
        for future in uploads:
            future.result()  # anything but a client error is the harness's own bug: raised here
        still_open = events.wait_terminal(set(completed), timeout_s)
        given_up = datetime.now(UTC).timestamp()
        wall = time.monotonic() - started
        client_cpu = sum(me.cpu_times()[:2]) - cpu_before
    latencies, spans = [], []
    per_stage: dict[str, list[float]] = {}
    for recipe_id, done in completed.items():
        times = events.times(recipe_id)
        distributed = driver.first(times, "recipe.distributed")
        if distributed is None:  # rejected or failed: in flight until then; never finished: until the end
            ended = driver.first(times, "recipe.rejected") or driver.first(times, "recipe.failed")
            spans.append({"total": (done.timestamp(), ended.timestamp() if ended else given_up)})
            continue
        latencies.append((distributed - done).total_seconds())
        stages = {
            name: (a.timestamp(), b.timestamp()) for name, (a, b) in driver.stage_spans(times, done, done).items()
        }
        stages.pop("upload", None)  # zero: the scenario starts at upload completion
        for name, (a, b) in stages.items():
            per_stage.setdefault(name, []).append(b - a)
        spans.append(stages | {"total": (done.timestamp(), distributed.timestamp())})
    return {
        "rate_per_s": rate_per_s,
        "duration_s": duration_s,
        "offered": len(schedule),
        "uploaded": len(completed),
        "upload_errors": errors[:5],
        "distributed": len(latencies),
        "not_finished": len(still_open),
        "latency_s": driver.percentiles(latencies),
        "latencies": [round(x, 3) for x in sorted(latencies)],
        "max_in_flight": queue_depths(spans),
        "max_start_lag_s": round(max(lags), 3) if lags else None,
        "median_stage_s": {name: round(statistics.median(v), 3) for name, v in per_stage.items()},
        "client_cpu_s": round(client_cpu, 2),
        "client_cpu_share": round(client_cpu / wall, 3) if wall else 0.0,
        "wall_s": round(wall, 2),
    }
