"""Writing the results: ``latest.json`` (everything), ``latest.md`` (tables and the
verdict on each target), ``latest.png`` (time against size; small-recipe latencies)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench import bill, compare, order

MiB = 1024 * 1024


def write(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    write_markdown(results, out)
    plot(results, out / "latest.png")


def write_markdown(results: dict[str, Any], out: Path) -> None:
    analysis = out / "analysis.md"  # hand-written: profiles and reasons, kept across runs
    extra = "\n" + analysis.read_text() if analysis.exists() else ""
    (out / "latest.md").write_text(markdown(results) + extra)


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"{r['started']} · `python -m bench.run {' '.join(r['argv'])}` · {m['cpus']} CPUs, "
        f"{m['memory_gib']} GiB, {m['python']} · load average before {m['load_before']}, after {m['load_after']} "
        f"· chunk size {r['chunk_size'] >> 20} MiB · commit `{r.get('commit', 'unknown')}`",
        "",
        *order.markdown(r),
    ]
    if r.get("large"):
        lines += ["## Large recipes (seconds per stage; processing = upload complete -> DISTRIBUTED)", ""]
        lines += [
            "| recipe | size | chunk workers | status | upload | validation | split | chunks | merge | distribution "
            "| processing | pipeline MB/s | baseline MB/s | pipeline / baseline | load (1 min) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in r["large"]:
            s = row["stages"]
            base = row.get("baseline_mb_s")
            ratio = f"{row['processing_mb_s'] / base:.2f}x" if base and row["processing_mb_s"] else "-"
            cells = [s.get(name, "-") for name in ("upload", "validation", "split", "chunks", "merge", "distribution")]
            lines.append(
                f"| {row['kind']} | {row['size'] / MiB:.0f} MiB | {row['chunk_workers']} | {row['status']} | "
                + " | ".join(str(c) for c in cells)
                + f" | {row['processing_s']} | {row['processing_mb_s']} | {base if base else '-'} | {ratio} "
                f"| {row.get('load_1m', '-')} |"
            )
        lines.append("")
    if r.get("baseline"):
        lines += ["## Baseline (one process: SHA-256, CRC-32, the same checks as the workers, zipfile deflate)", ""]
        lines += ["Strict JSON, duplicate keys, the models, step order and safety limits, in one pass.", ""]
        lines += ["| recipe | size | seconds | MB/s | records | load (1 min) |", "|---|---|---|---|---|---|"]
        for b in r["baseline"]:
            lines.append(
                f"| {b['kind']} | {b['size'] / MiB:.0f} MiB | {b['seconds']:.1f} | {b['mb_s']:.1f} | {b['records']} "
                f"| {b.get('load_1m', '-')} |"
            )
        lines.append("")
    lines += _small_runs(r) + _offered(r)
    lines += bill.markdown(r.get("usage", {}))
    if r.get("memory"):
        lines += [
            "## CPU seconds per scenario (all processes of a role; functions = what Lambda bills, "
            "emulator = what AWS carries in production)",
            "",
        ]
        roles = sorted({role for peaks in r["memory"].values() for role in peaks})
        lines += ["| scenario | functions | " + " | ".join(roles) + " |", "|---" * (len(roles) + 2) + "|"]
        for scenario, peaks in r["memory"].items():
            functions = sum(v.get("cpu_s", 0.0) for k, v in peaks.items() if "." in k)
            lines.append(
                f"| {scenario} | {functions:.1f} | "
                + " | ".join(str(peaks.get(x, {}).get("cpu_s", "-")) for x in roles)
                + " |"
            )
        lines.append("")
    if r.get("memory"):
        lines += ["## Peak RSS (MiB, largest single process, per scenario)", ""]
        roles = sorted({role for peaks in r["memory"].values() for role in peaks})
        lines += ["| scenario | " + " | ".join(roles) + " |", "|---" * (len(roles) + 1) + "|"]
        for scenario, peaks in r["memory"].items():
            lines.append(
                f"| {scenario} | " + " | ".join(str(peaks.get(x, {}).get("peak_mib", "-")) for x in roles) + " |"
            )
        lines.append("")
    if r.get("targets"):
        lines += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
        for t in r["targets"]:
            lines.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |")
        lines.append("")
    lines += compare.markdown(r)
    if r.get("notes"):
        lines += ["## Notes", "", *[f"- {n}" for n in r["notes"]], ""]
    return "\n".join(lines)


SMALL_RUNS = (
    ("small_paced", "paced ({rate}/s)"),
    ("small", "as fast as the clients go"),
    ("small_paced_used", "paced ({rate}/s) on the used stack"),
)


def _small_runs(r: dict[str, Any]) -> list[str]:
    runs = [(name, r[key]) for key, name in SMALL_RUNS if r.get(key)]
    if not runs:
        return []
    lines = [
        f"## Small recipes (documents of ~10 KB, {runs[0][1]['clients']} concurrent clients)",
        "",
        "| uploads | distributed | p50 | p95 | p99 | max | recipes/s | median s per stage | load (1 min) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, small in runs:
        lat = small.get("latency_s", {})
        lines.append(
            f"| {name.format(rate=small.get('rate_per_s'))} | {small['distributed']}/{small['count']} "
            f"| {lat.get('p50', '-')} s "
            f"| {lat.get('p95', '-')} s | {lat.get('p99', '-')} s | {lat.get('max', '-')} s "
            f"| {small['recipes_per_s']} | {_stages(small.get('median_stage_s', {}))} "
            f"| {small.get('load_1m', '-')} |"
        )
    lines.append("")
    flat = r.get("small") or {}
    requests = flat.get("emulator_requests_per_recipe")
    if requests:
        top = list(requests.items())[:12]
        lines += [
            f"Emulator requests per recipe (as fast as the clients go, {flat['count']} + {flat['clients']} warm-up, "
            f"the pipeline's callers): **{sum(requests.values()):.1f}** — "
            + ", ".join(f"{op} {n}" for op, n in top)
            + ".",
            "",
        ]
        observer = flat.get("observer_requests_per_recipe") or {}
        if observer:
            lines += [
                f"Left out of that figure: the benchmark's own requests (its lifecycle-event probe queue), "
                f"{sum(observer.values()):.1f} per recipe.",
                "",
            ]
    return lines


def _offered(r: dict[str, Any]) -> list[str]:
    run = r.get("offered")
    if not run:
        return []
    lat, depth = run.get("latency_s", {}), run.get("max_in_flight", {})
    stages = ", ".join(f"{k} {v}" for k, v in depth.items() if k != "total") or "-"
    return [
        f"## Small recipes offered at {run['rate_per_s']:g}/s for {run['duration_s']:g} s (open loop)",
        "",
        "Uploads start on a fixed schedule whatever the stack does; latency is upload complete -> DISTRIBUTED. "
        "Most in flight: the most recipes between those two moments at once (from the events; by stage). "
        "Latest start: how late the client started an upload against its slot. Client CPU: the benchmark "
        "process (uploads, event probe, memory watch) over the scenario, in cores.",
        "",
        "| offered | uploaded | distributed | p50 | p95 | p99 | max | most in flight (by stage) "
        "| latest start | median s per stage | client CPU | load (1 min) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {run['offered']} | {run['uploaded']} | {run['distributed']} | {lat.get('p50', '-')} s "
        f"| {lat.get('p95', '-')} s | {lat.get('p99', '-')} s | {lat.get('max', '-')} s "
        f"| {depth.get('total', '-')} ({stages}) | {run.get('max_start_lag_s', '-')} s "
        f"| {_stages(run.get('median_stage_s', {}))} | {run['client_cpu_s']} CPU-s = {run['client_cpu_share']} "
        f"| {run.get('load_1m', '-')} |",
        "",
        *(
            [f"Upload errors (first {len(run['upload_errors'])}): " + "; ".join(run["upload_errors"]), ""]
            if run.get("upload_errors")
            else []
        ),
    ]


def _stages(stages: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds}" for name, seconds in stages.items()) or "-"


def plot(r: dict[str, Any], path: Path) -> None:
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), dpi=80)
    for workers in (1, 2):
        rows = sorted(
            (
                x
                for x in r.get("large", [])
                if x["kind"] == "stream" and x["chunk_workers"] == workers and x["processing_s"]
            ),
            key=lambda x: x["size"],
        )
        if rows:
            left.plot(
                [x["size"] / MiB for x in rows],
                [x["processing_s"] for x in rows],
                "o-",
                label=f"{workers} chunk worker(s)",
            )
    baseline = [b for b in r.get("baseline", []) if b["kind"] == "stream"]
    if baseline:
        left.plot(
            [b["size"] / MiB for b in baseline], [b["seconds"] for b in baseline], "s--", label="baseline (1 process)"
        )
    left.set(xlabel="stream size (MiB)", ylabel="processing time (s)", title="Time against size")
    if left.get_legend_handles_labels()[0]:
        left.legend()
    runs = [(key, r[key].get("latencies", [])) for key in ("small", "small_paced", "offered") if r.get(key)]
    runs = [(key, values) for key, values in runs if values]
    if runs:
        low = max(0.05, min(min(values) for _, values in runs))
        high = max(max(values) for _, values in runs)
        bins = [low * (high / low) ** (i / 40) for i in range(41)] if high > low else 10
        for key, values in runs:
            rate = r[key].get("rate_per_s")
            label = f"{'offered' if key == 'offered' else 'paced'}, {rate:g}/s" if rate else "flat out"
            right.hist(values, bins=bins, alpha=0.7, label=label)
        right.set_xscale("log")
        right.legend()
    right.set(xlabel="upload complete -> DISTRIBUTED (s, log)", ylabel="recipes", title="Small recipes: latency")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


if __name__ == "__main__":
    # ``python -m bench.report [DIR]``: render latest.md again from latest.json (e.g. after
    # editing analysis.md), leaving the plot as the run drew it.
    import sys

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results"
    write_markdown(json.loads((folder / "latest.json").read_text()), folder)
