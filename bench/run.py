"""``python -m bench.run`` (= ``make bench``): speed, memory and scaling of the pipeline.

Parts (``--only`` picks some, comma-separated; default all):

* ``large``    1 GiB NDJSON stream and 1 GiB asset end to end, time per stage, MB/s,
               each against the in-process baseline on the same file
* ``small``    200 documents of ~10 KB by 8 concurrent clients: latency and recipes/s, as
               fast as the clients go (the targets), then paced at ``--paced-rate``/s
               (the latency the pipeline adds while it keeps up); the emulator's requests
               per recipe, by operation
* ``scaling``  128, 256, 512 MiB streams (1 GiB from ``large``), and a stream with one
               chunk worker instead of two (``--c1-mib``)

Memory (peak RSS of every function's workers and of the emulator) is measured for every
scenario. ``--quick`` shrinks every size (for developing the harness). Inputs are
generated under a temp dir and deleted; results go to ``bench/results/`` (``--out``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import baseline, driver, report
from bench.events import EventLog
from bench.inputs import write_asset, write_stream
from bench.memory import MemoryWatch
from bench.stack import local_stack
from bench.targets import evaluate
from bench.usage import UsageMeter, grown

MiB = 1024 * 1024
OUT = Path(__file__).resolve().parent / "results"
CHUNK_SIZE = 8 * MiB


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    parts = set(args.only.split(",")) if args.only else {"large", "small", "scaling"}
    large_mib = 32 if args.quick else 1024
    scaling_mib = [8, 16] if args.quick else [128, 256, 512]
    small_count = args.small_count or (24 if args.quick else 200)
    c1_mib = 16 if args.quick else args.c1_mib
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:] if argv is None else argv,
        "machine": _machine(),
        "chunk_size": CHUNK_SIZE,
        "large": [],
        "baseline": [],
        "memory": {},
        "usage": {},
        "notes": [],
    }
    with tempfile.TemporaryDirectory(prefix="circulion-bench-") as tmp:
        work = Path(tmp)
        with local_stack(args.offset, work, chunk_workers=2) as stack:
            watch = MemoryWatch(stack.pid).start()
            events = EventLog(stack.ports).start()

            def large(kind: str, mib: int, with_baseline: bool, workers: int = 2) -> None:
                path = work / f"{kind}-{mib}.bin"
                (write_stream if kind == "stream" else write_asset)(path, mib * MiB)
                if with_baseline:
                    base = baseline.run(path, kind, work)
                    results["baseline"].append(
                        base.__dict__ | {"mb_s": round(base.mb_s, 2), "load_1m": round(os.getloadavg()[0], 2)}
                    )
                    _say(f"baseline {kind} {mib} MiB: {base.seconds:.1f} s, {base.mb_s:.1f} MB/s")
                watch.reset()
                meter = UsageMeter(stack).start()
                row = driver.run_large(stack.ports, events, path, kind, workers, args.timeout)
                usage = meter.stop(1)
                results["usage"][f"{kind} {mib} MiB"] = usage.as_json()
                path.unlink()
                result = row.as_json()
                # The whole recipe's requests (upload included): bench.capacity derives per-chunk figures.
                result["emulator_requests"] = per_recipe({}, usage.requests, 1)
                result["load_1m"] = round(os.getloadavg()[0], 2)
                if with_baseline:
                    result["baseline_mb_s"] = results["baseline"][-1]["mb_s"]
                results["large"].append(result)
                results["memory"][f"{kind} {mib} MiB, {workers} workers"] = watch.peaks()
                _write(results, args.out)
                _say(
                    f"{kind} {mib} MiB: {row.status}, processing {row.processing_s} s "
                    f"({row.mb_s:.1f} MB/s) {row.stages}"
                )

            if "large" in parts:
                large("stream", large_mib, True)
                large("asset", large_mib, True)
            if "scaling" in parts:
                for mib in scaling_mib:
                    large("stream", mib, True)
            if "small" in parts:
                for key, prefix, rate in (("small", "small", None), ("small_paced", "paced", args.paced_rate)):
                    watch.reset()
                    meter = UsageMeter(stack).start()
                    small = driver.run_small(
                        stack.ports, events, small_count, args.clients, args.timeout, rate_per_s=rate, prefix=prefix
                    )
                    usage = meter.stop(small["count"] + args.clients)  # the warm-up recipes count
                    results["usage"][key] = usage.as_json()
                    small["emulator_requests_per_recipe"] = per_recipe({}, usage.requests, usage.recipes)
                    small["load_1m"] = round(os.getloadavg()[0], 2)
                    results[key] = small
                    results["memory"][f"{key} x{small_count}"] = watch.peaks()
                    _write(results, args.out)
                    _say(f"{key}: { ({k: v for k, v in small.items() if k != 'latencies'}) }")
            events.stop()
            watch.stop()
        if "scaling" in parts:
            _with_one_worker(args, work, results, c1_mib)
    _write(results, args.out)
    _say(f"wrote {args.out}/latest.json, latest.md, latest.png")


def per_recipe(before: Mapping[str, int], after: Mapping[str, int], recipes: int) -> dict[str, float]:
    """Emulator requests per recipe by operation between two tallies, most frequent first."""
    return {op: round(n / recipes, 2) for op, n in sorted(grown(before, after).items(), key=lambda item: -item[1])}


def _write(results: dict[str, Any], out: str) -> None:
    """Results so far (every scenario rewrites them: an interrupted run keeps its figures)."""
    results["machine"]["load_after"] = _load()
    results["targets"] = evaluate(results, CHUNK_SIZE)
    report.write(results, Path(out))


def _with_one_worker(args: argparse.Namespace, work: Path, results: dict[str, Any], mib: int) -> None:
    with local_stack(args.offset, work, chunk_workers=1) as stack:
        watch = MemoryWatch(stack.pid).start()
        events = EventLog(stack.ports).start()
        path = work / "stream-c1.bin"
        write_stream(path, mib * MiB)
        row = driver.run_large(stack.ports, events, path, "stream", 1, args.timeout)
        path.unlink()
        results["large"].append(row.as_json() | {"load_1m": round(os.getloadavg()[0], 2)})
        results["memory"][f"stream {mib} MiB, 1 worker"] = watch.peaks()
        _say(f"stream {mib} MiB, one chunk worker: {row.status}, processing {row.processing_s} s {row.stages}")
        events.stop()
        watch.stop()


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load_before": _load(),
    }


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _say(message: str, out: Callable[[str], object] = print) -> None:
    out(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}")
    sys.stdout.flush()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes everywhere (minutes, not an hour)")
    parser.add_argument("--only", default="", help="comma-separated parts: large,small,scaling")
    parser.add_argument("--offset", type=int, default=int(os.environ.get("CIRCULION_PORT_OFFSET", "900")))
    parser.add_argument("--small-count", type=int, default=None, help="default 200 (24 with --quick)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--paced-rate", type=float, default=2.0, help="uploads/s of the paced small-recipe run")
    parser.add_argument("--c1-mib", type=int, default=256, help="stream size run with one chunk worker")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for one scenario")
    parser.add_argument("--out", default=str(OUT))
    return parser


if __name__ == "__main__":
    main()
