"""The load profile (parameters) and what it means per second: recipes, chunks, bytes,
and each function's invocation time on Lambda and the concurrency that asks for.

Invocation time on Lambda = the CPU seconds measured here, scaled to the function's share
of a vCPU (one vCPU at 1,769 MB, proportionally less below), plus its sequential AWS calls
times ``call_latency_s``. Concurrency is Little's law: arrivals per second x seconds each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.capacity.inputs import SMALL_RECIPE_EVENTS, Design, Measured
from bench.capacity.limits import LAMBDA_VCPU_MEMORY_MB

MiB = 1024 * 1024
GiB = 1024 * MiB
DAY_S = 86_400

# Sequential AWS calls per invocation (or per record), counted in the handlers; the
# figures the emulator tallied for a document (bench results) agree with their sum.
API_CALLS_PER_REQUEST = 2  # GetItem + an update or a transaction (chalicelib/api.py)
VALIDATE_CALLS = 5  # GetItem, claim, HEAD, tagging, publish (+ the ranged GETs)
TRACK_STATUS_CALLS = 2  # GetItem + conditional UpdateItem per event (handlers.track_status)
SPLIT_CALLS = 4  # plan claim PUT, publish recipe.split, mark enqueued (+ a SendMessageBatch per 10 tasks)
CHUNK_CALLS = 2  # segment PUT + publish chunk.processed (ranged GETs overlap the CPU: read-ahead)
COORDINATE_CALLS = 3  # job GetItem (check), TransactWriteItems, job GetItem (advance)
DISTRIBUTE_CALLS = 6  # pointer update, pointer PUT, pointer re-read, 2 invalidation look-ups, publish


@dataclass(frozen=True)
class LoadProfile:
    """The load to size for (defaults: the target of docs/CAPACITY.md)."""

    recipes_per_day: float = 1_000_000
    tenants: int = 10_000
    document_share: float = 0.95
    stream_share: float = 0.049
    asset_share: float = 0.001
    document_bytes: int = 10_000
    stream_min_bytes: int = 10 * 1000**2
    stream_max_bytes: int = 2 * GiB
    asset_max_bytes: int | None = None
    """``None``: the upload service's size limit. Sizes are uniform in [min, max]."""
    peak_factor: float = 10.0
    robots: int = 100_000
    robot_poll_s: float = 60.0
    credential_lifetime_s: float = 12 * 3600
    status_reads_per_recipe: float = 2.0
    busiest_tenant_share: float = 0.01
    region: str = "us-east-1"
    call_latency_s: float = 0.010
    """Assumed round trip of one DynamoDB/S3/SQS/SNS call from Lambda (not measured here)."""
    invalidation_s: float = 60.0
    """Assumed time a CloudFront invalidation stays in progress (AWS publishes no figure)."""
    segment_bytes: int = 1_500
    """Assumed X-Ray segment document size of one invocation (with its subsegments)."""
    trace_sampling: float = 1.0
    """Share of invocations traced: shared/circulion/tracing.py samples every span it opens;
    Lambda's default rule (1 a second + 5 %) would trace far fewer."""


@dataclass(frozen=True)
class Traffic:
    """Per second at the peak (``peak_factor`` x the daily mean), recipe-driven."""

    recipes: float
    documents: float
    streams: float
    assets: float
    stream_mean_bytes: float
    asset_mean_bytes: float
    asset_max_bytes: int
    stream_chunks_each: float
    asset_chunks_each: float
    chunks: float
    bytes_large: float
    """Bytes of streams and assets per second (validated, chunked, merged)."""
    lifecycle_events: float


def chunk_size_for(size: float, design: Design) -> int:
    """The splitter's chunk size for a file (planning.fitting_chunk_size)."""
    if math.ceil(size / design.chunk_size) <= design.max_chunks:
        return design.chunk_size
    return math.ceil(math.ceil(size / design.max_chunks) / MiB) * MiB


def chunks_of(size: float, design: Design) -> float:
    return 1.0 if size <= design.direct_threshold else math.ceil(size / chunk_size_for(size, design))


def traffic(p: LoadProfile, d: Design) -> Traffic:
    recipes = p.recipes_per_day / DAY_S * p.peak_factor
    asset_max = p.asset_max_bytes or d.max_upload_bytes
    stream_mean = (p.stream_min_bytes + p.stream_max_bytes) / 2
    asset_mean = asset_max / 2
    documents, streams, assets = (recipes * s for s in (p.document_share, p.stream_share, p.asset_share))
    per_stream, per_asset = chunks_of(stream_mean, d), chunks_of(asset_mean, d)
    chunks = documents + streams * per_stream + assets * per_asset
    extra_chunks = chunks - recipes
    return Traffic(
        recipes=recipes,
        documents=documents,
        streams=streams,
        assets=assets,
        stream_mean_bytes=stream_mean,
        asset_mean_bytes=asset_mean,
        asset_max_bytes=asset_max,
        stream_chunks_each=per_stream,
        asset_chunks_each=per_asset,
        chunks=chunks,
        bytes_large=streams * stream_mean + assets * asset_mean,
        lifecycle_events=recipes * SMALL_RECIPE_EVENTS + extra_chunks,
    )


def cpu_scale(memory_mb: int) -> float:
    """How much slower than one vCPU a function of ``memory_mb`` runs CPU-bound code."""
    return max(1.0, LAMBDA_VCPU_MEMORY_MB / memory_mb)


def api_requests(p: LoadProfile, t: Traffic, d: Design) -> float:
    """API Gateway requests per second: uploads (create, part pages, complete, status, download) and robots."""

    def pages(size: float) -> int:
        return math.ceil(math.ceil(size / d.part_size) / d.max_part_urls_per_request)

    per_recipe = 3 + p.status_reads_per_recipe
    uploads = t.recipes * per_recipe + t.streams * pages(t.stream_mean_bytes) + t.assets * pages(t.asset_mean_bytes)
    return uploads + p.robots / p.credential_lifetime_s


def concurrency(p: LoadProfile, t: Traffic, m: Measured, d: Design) -> dict[str, float]:
    """Peak concurrent executions of each function (Little's law)."""
    f = d.functions
    lat = p.call_latency_s
    cpu = m.cpu_s_per_small_recipe

    def scaled(function: str, cpu_s: float) -> float:
        return cpu_s * cpu_scale(f[function].memory_mb)

    def gib(size: float) -> float:
        return size / GiB

    def ranges(size: float) -> float:
        return size / d.validate_range_bytes / 4  # four ranges in flight

    requests = api_requests(p, t, d)
    api_each = scaled("upload.api_handler", cpu["upload.api"] / 2) + API_CALLS_PER_REQUEST * lat
    validate = t.documents * (scaled("upload.validate", cpu["upload.validate"]) + VALIDATE_CALLS * lat) + sum(
        n * (scaled("upload.validate", m.validate_cpu_s_per_gib * gib(size)) + (VALIDATE_CALLS + ranges(size)) * lat)
        for n, size in ((t.streams, t.stream_mean_bytes), (t.assets, t.asset_mean_bytes))
    )
    event_each = scaled("upload.track_status", cpu["upload.track_status"] / SMALL_RECIPE_EVENTS)
    split = t.recipes * (scaled("splitter.split", cpu["splitter.split"]) + SPLIT_CALLS * lat) + (t.chunks / 10) * lat

    def chunk_s(cpu_s: float, wall_s: float) -> float:
        return max(wall_s, scaled("splitter.process_chunk", cpu_s)) + CHUNK_CALLS * lat

    chunks = (
        t.documents * chunk_s(cpu["splitter.process_chunk"], 0.0)
        + t.streams * t.stream_chunks_each * chunk_s(m.stream_chunk_cpu_s, m.stream_chunk_wall_s)
        + t.assets * t.asset_chunks_each * chunk_s(m.asset_chunk_cpu_s, m.asset_chunk_wall_s)
    )
    record_each = scaled("merger.coordinate", cpu["merger.coordinate"] / 2) + COORDINATE_CALLS * lat
    merges = t.streams * m.merge_wall_s_per_gib_stream * gib(t.stream_mean_bytes) + (
        t.assets * m.merge_wall_s_per_gib_asset * gib(t.asset_mean_bytes)
    )
    return {
        "upload.api_handler": requests * api_each,
        "upload.validate": validate,
        "upload.track_status": t.lifecycle_events * (event_each + TRACK_STATUS_CALLS * lat),
        "splitter.split": split,
        "splitter.process_chunk": chunks,
        "merger.coordinate": (t.chunks + t.recipes) * record_each + merges,
        "distributor.distribute": t.recipes * distribute_record_s(p, m, d),
    }


def distribute_record_s(p: LoadProfile, m: Measured, d: Design) -> float:
    """Seconds one ``recipe.merged`` record takes inside a distribute invocation."""
    memory = d.functions["distributor.distribute"].memory_mb
    return m.cpu_s_per_small_recipe["distributor.distribute"] * cpu_scale(memory) + DISTRIBUTE_CALLS * p.call_latency_s


def stream_chunk_s(p: LoadProfile, m: Measured, d: Design) -> float:
    """Seconds one full stream chunk takes on a chunk worker."""
    memory = d.functions["splitter.process_chunk"].memory_mb
    return max(m.stream_chunk_wall_s, m.stream_chunk_cpu_s * cpu_scale(memory)) + CHUNK_CALLS * p.call_latency_s


def invocations(p: LoadProfile, t: Traffic, d: Design) -> dict[str, float]:
    """Invocations per second of each queue consumer, batches full (as they are at the peak)."""
    f = d.functions

    def batches(records: float, function: str) -> float:
        return records / (f[function].batch_size or 1)

    return {
        "upload.validate": batches(t.recipes, "upload.validate"),
        "upload.track_status": batches(t.lifecycle_events, "upload.track_status"),
        "splitter.split": batches(t.recipes, "splitter.split"),
        "splitter.process_chunk": batches(t.chunks, "splitter.process_chunk"),
        "merger.coordinate": batches(t.chunks + t.recipes, "merger.coordinate"),
        "distributor.distribute": batches(t.recipes, "distributor.distribute"),
    }
