"""The issue's targets, checked against one run's results (never by a timed test)."""

from __future__ import annotations

from typing import Any

MB = 1e6
MiB = 1024 * 1024


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
    small = r.get("small", {})
    lat = small.get("latency_s", {})
    if lat:
        add("small recipes p50 <= 0.5 s", f"{lat['p50']} s", lat["p50"] <= 0.5)
        add("small recipes p99 <= 1.5 s", f"{lat['p99']} s", lat["p99"] <= 1.5)
        add("small recipes >= 10 recipes/s", f"{small['recipes_per_s']}/s", small["recipes_per_s"] >= 10)
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
