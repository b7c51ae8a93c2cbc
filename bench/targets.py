"""The issue's targets (issue 21's table), checked against one run's results (never by a timed test).

Small-recipe latency is judged on the fresh-stack runs (``small_paced``, ``offered``); the
paced run on the used stack is reported beside them, not judged (``bench.order``).
"""

from __future__ import annotations

from typing import Any

from bench.compare import scenario_name

MB = 1e6
MiB = 1024 * 1024
PACED_P50_S, PACED_P99_S = 0.4, 1.0
OFFERED_P99_S = 2.0
FLAT_OUT_PER_S = 8.0
REQUESTS_PER_RECIPE = 40.0


def evaluate(r: dict[str, Any], chunk_size: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def add(target: str, measured: str, met: bool) -> None:
        found.append({"target": target, "measured": measured, "met": met})

    two = [x for x in r.get("large", []) if x["chunk_workers"] == 2 and x["status"] == "DISTRIBUTED"]
    for kind, wanted in (("stream", 1.3), ("asset", 1.0)):
        rows = [x for x in two if x["kind"] == kind and x.get("baseline_mb_s")]
        if rows:
            row = max(rows, key=lambda x: x["size"])
            ratio = row["processing_mb_s"] / row["baseline_mb_s"]
            add(
                f"{kind} {row['size'] / MiB:.0f} MiB: pipeline >= {wanted}x baseline throughput",
                f"{row['processing_mb_s']} vs {row['baseline_mb_s']} MB/s = {ratio:.2f}x",
                ratio >= wanted,
            )
            if kind == "asset":
                add(*_asset_twice(r, row, ratio, wanted))
            if kind == "stream":
                add(*_stream_cpu(r, row))
    paced = r.get("small_paced", {})
    if paced.get("latency_s"):
        lat, rate = paced["latency_s"], paced.get("rate_per_s")
        add(f"small, paced at {rate}/s: p50 <= {PACED_P50_S} s", f"{lat['p50']} s", lat["p50"] <= PACED_P50_S)
        add(f"small, paced at {rate}/s: p99 <= {PACED_P99_S} s", f"{lat['p99']} s", lat["p99"] <= PACED_P99_S)
    offered = r.get("offered", {})
    if offered:
        load = f"small, offered at {offered['rate_per_s']:g}/s for {offered['duration_s']:g} s"
        every = offered["distributed"] == offered["offered"]
        add(f"{load}: all DISTRIBUTED", f"{offered['distributed']}/{offered['offered']}", every)
        p99 = offered.get("latency_s", {}).get("p99")
        add(
            f"{load}: p99 <= {OFFERED_P99_S} s",
            f"{p99} s" if p99 is not None else "-",
            p99 is not None and p99 <= OFFERED_P99_S,
        )
    small = r.get("small", {})
    if small.get("latency_s"):
        per_s = small["recipes_per_s"]
        add(
            f"small, {small['clients']} clients flat out: >= {FLAT_OUT_PER_S} recipes/s",
            f"{per_s}/s",
            per_s >= FLAT_OUT_PER_S,
        )
    requests = small.get("emulator_requests_per_recipe")
    if requests:
        total = sum(requests.values())
        add(
            f"emulator requests per small recipe <= {REQUESTS_PER_RECIPE}", f"{total:.1f}", total <= REQUESTS_PER_RECIPE
        )
    streams = sorted((x for x in two if x["kind"] == "stream"), key=lambda x: x["size"])
    if len(streams) >= 2 and streams[0]["processing_s"]:
        small_s, big = streams[0], streams[-1]
        factor = big["processing_s"] / small_s["processing_s"]
        allowed = 8.5 * big["size"] / (8 * small_s["size"])  # 8.5x for 8x the bytes
        add(
            f"linear: {big['size'] / MiB:.0f} MiB <= {allowed:.1f}x the {small_s['size'] / MiB:.0f} MiB stream",
            f"{factor:.2f}x",
            factor <= allowed,
        )
    worker_cap = (3 * chunk_size + 150 * MB) / MiB
    merger_cap = (2 * chunk_size + 150 * MB) / MiB
    for role, cap, label in (
        ("splitter.process_chunk", worker_cap, "chunk worker <= 3 x chunk + 150 MB"),
        ("merger.coordinate", merger_cap, "merger <= 2 x part + 150 MB"),
    ):
        peaks = [p[role]["peak_mib"] for p in r.get("memory", {}).values() if role in p]
        if peaks:
            add(
                f"{label} = {cap:.0f} MiB, in every scenario",
                f"{min(peaks)}-{max(peaks)} MiB",
                max(peaks) <= cap,
            )
    return found


def _asset_twice(r: dict[str, Any], row: dict[str, Any], ratio: float, wanted: float) -> tuple[str, str, bool]:
    """The asset target holds in this run and the previous one (``bench.compare``'s figures)."""
    name = f"{scenario_name(row)}: x baseline"
    before = (r.get("previous") or {}).get("figures", {}).get(name)
    target = f"asset {row['size'] / MiB:.0f} MiB: >= {wanted}x baseline in two consecutive runs"
    if before is None:
        return target, f"{ratio:.2f}x now; no previous run of this size", False
    commit = str((r.get("previous") or {}).get("commit", "?"))[:7]
    return target, f"{before:.2f}x (previous, {commit}), {ratio:.2f}x now", min(before, ratio) >= wanted


def _stream_cpu(r: dict[str, Any], row: dict[str, Any]) -> tuple[str, str, bool]:
    """All functions' CPU for the stream against the baseline's: one process, so its wall time is its CPU time."""
    mib = f"{row['size'] / MiB:.0f} MiB"
    roles = r.get("memory", {}).get(row.get("scenario") or f"stream {mib}, 2 workers", {})
    functions = sum(v.get("cpu_s", 0.0) for k, v in roles.items() if "." in k)
    base = next(
        (b["seconds"] for b in r.get("baseline", []) if b["kind"] == "stream" and b["size"] == row["size"]), None
    )
    target = f"stream {mib}: CPU-s of all functions <= the baseline's"
    if base is None or not roles:
        return target, "-", False
    return target, f"{functions:.1f} vs {base:.1f} CPU-s", functions <= base
