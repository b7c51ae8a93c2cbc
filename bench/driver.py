"""Drives recipes through the running stack as a customer would: the typed client's
upload (hash, presigned PUT or parts, complete), then the lifecycle events until the end.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.events import EventLog
from bench.inputs import small_document
from bench.usage import CountingClient
from circulion_cli.client import CirculionClient
from circulion_cli.issuer import dev_token
from circulion_local.ports import LocalPorts

CONTENT_TYPES = {"stream": "application/x-ndjson", "asset": "application/octet-stream", "document": "application/json"}
STAGES = ("upload", "validation", "split", "chunks", "merge", "distribution")


@dataclass(frozen=True)
class LargeResult:
    kind: str
    size: int
    chunk_workers: int
    status: str
    stages: dict[str, float]
    processing_s: float
    chunks: int

    @property
    def mb_s(self) -> float:
        return self.size / 1e6 / self.processing_s if self.processing_s else 0.0

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"processing_mb_s": round(self.mb_s, 2)}


def api_client(ports: LocalPorts) -> CirculionClient:
    """The CLI's client, its calls counted for the bill per recipe (:mod:`bench.usage`)."""
    return CountingClient(ports.api_url, dev_token(ports.issuer_url, "bench", ttl_s=6 * 3600))


def run_large(
    ports: LocalPorts, events: EventLog, path: Path, kind: str, chunk_workers: int, timeout_s: float
) -> LargeResult:
    """Upload one large recipe and time its stages; ``processing`` is completion -> distributed."""
    client = api_client(ports)
    size = path.stat().st_size
    started = datetime.now(UTC)
    outcome = client.upload_file(path, name=f"bench-{kind}-{size >> 20}m", content_type=CONTENT_TYPES[kind])
    completed = datetime.now(UTC)
    open_ = events.wait_terminal({outcome.recipe_id}, timeout_s)
    times = events.times(outcome.recipe_id)
    status = "TIMEOUT" if open_ else ("DISTRIBUTED" if "recipe.distributed" in times else "FAILED/REJECTED")
    stages = stage_seconds(times, started, completed)
    end = first(times, "recipe.distributed")
    processing = (end - completed).total_seconds() if end else 0.0
    return LargeResult(
        kind, size, chunk_workers, status, stages, round(processing, 2), len(times.get("chunk.processed", []))
    )


def run_small(
    ports: LocalPorts,
    events: EventLog,
    count: int,
    clients: int,
    timeout_s: float,
    *,
    rate_per_s: float | None = None,
    prefix: str = "small",
) -> dict[str, Any]:
    """``count`` documents of ~10 KB uploaded by ``clients`` threads; latency completion -> distributed.

    As fast as the clients can (``rate_per_s`` ``None``: the throughput the stack sustains,
    and latency with whatever queue that leaves), or paced at ``rate_per_s`` uploads a
    second (the latency the pipeline itself adds while it keeps up).
    """
    client = api_client(ports)
    completed: dict[str, datetime] = {}
    with tempfile.TemporaryDirectory(prefix="circulion-bench-small-") as tmp:
        paths = []
        for index in range(count):
            path = Path(tmp) / f"{prefix}-{index:04d}.json"
            path.write_bytes(small_document(index))
            paths.append(path)

        def upload(path: Path) -> None:
            if rate_per_s:
                index = int(path.stem.rsplit("-", 1)[1])
                time.sleep(max(0.0, start_at + index / rate_per_s - time.monotonic()))
            outcome = client.upload_file(path, name=path.stem, content_type=CONTENT_TYPES["document"])
            completed[outcome.recipe_id] = datetime.now(UTC)

        warm_up(client, events, Path(tmp), clients, timeout_s)
        began = datetime.now(UTC)
        wall = start_at = time.monotonic()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(upload, paths))
        still_open = events.wait_terminal(set(completed), timeout_s)
        wall = time.monotonic() - wall
    latencies, ends = [], []
    per_stage: dict[str, list[float]] = {}
    for recipe_id, done in completed.items():
        times = events.times(recipe_id)
        distributed = first(times, "recipe.distributed")
        if distributed is not None:
            latencies.append((distributed - done).total_seconds())
            ends.append(distributed)
            for name, seconds in stage_seconds(times, done, done).items():
                per_stage.setdefault(name, []).append(seconds)
    span = (max(ends) - began).total_seconds() if ends else 0.0
    return {
        "count": count,
        "clients": clients,
        "rate_per_s": rate_per_s,
        "distributed": len(latencies),
        "not_finished": len(still_open),
        "latency_s": percentiles(latencies),
        "latencies": [round(x, 3) for x in sorted(latencies)],
        "recipes_per_s": round(len(latencies) / span, 2) if span else 0.0,
        "median_stage_s": {name: round(statistics.median(v), 3) for name, v in per_stage.items() if name != "upload"},
        "wall_s": round(wall, 2),
    }


def warm_up(client: CirculionClient, events: EventLog, tmp: Path, count: int, timeout_s: float) -> None:
    """``count`` recipes at once, waited for and not counted: every function is warm, so the
    figures are sustained latency (a cold start, ~1 s per function, shows in the large runs)."""

    def one(index: int) -> str:
        path = tmp / f"warm-{index}.json"
        path.write_bytes(small_document(10_000 + index))
        return client.upload_file(path, name=f"warm-up-{index}", content_type=CONTENT_TYPES["document"]).recipe_id

    with ThreadPoolExecutor(count) as pool:
        warm = list(pool.map(one, range(count)))
    events.wait_terminal(set(warm), timeout_s)


def stage_spans(
    times: dict[str, list[datetime]], started: datetime, completed: datetime
) -> dict[str, tuple[datetime, datetime]]:
    """When each stage began and ended, from one stage's end event to the next one's."""
    marks = [
        started,
        completed,
        first(times, "recipe.validated"),
        first(times, "recipe.split"),
        _last_chunk(times),
        first(times, "recipe.merged"),
        first(times, "recipe.distributed"),
    ]
    return {name: (a, b) for name, a, b in zip(STAGES, marks[:-1], marks[1:], strict=True) if a and b}


def stage_seconds(times: dict[str, list[datetime]], started: datetime, completed: datetime) -> dict[str, float]:
    """Seconds spent in each stage (:func:`stage_spans`)."""
    return {name: round((b - a).total_seconds(), 3) for name, (a, b) in stage_spans(times, started, completed).items()}


def percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 3),
        "p95": round(cuts[94], 3),
        "p99": round(cuts[98], 3),
        "max": round(max(values), 3),
    }


def first(times: dict[str, list[datetime]], kind: str) -> datetime | None:
    return times[kind][0] if times.get(kind) else None


def _last_chunk(times: dict[str, list[datetime]]) -> datetime | None:
    """The last chunk's completion (a redelivered duplicate after the merge does not count)."""
    chunks = times.get("chunk.processed")
    if not chunks:
        return None
    merged = first(times, "recipe.merged")
    return min(max(chunks), merged) if merged else max(chunks)
