"""``python -m bench.run`` (= ``make bench``): speed, memory and scaling of the pipeline.

Parts (``--only`` picks some, comma-separated; default all):

* ``small``    200 documents of ~10 KB: paced at ``--paced-rate``/s (the latency the
               pipeline adds while it keeps up), then by 8 concurrent clients as fast as
               they go (the throughput the stack sustains); the emulator's requests per
               recipe, by operation
* ``offered``  small documents offered at ``--offered-rate``/s for ``--offered-seconds``
               (open loop: arrivals on a fixed schedule): does a queue build up?
* ``large``    1 GiB NDJSON stream and 1 GiB asset end to end, time per stage, MB/s,
               each against the in-process baseline on the same file
* ``scaling``  128, 256, 512 MiB streams (1 GiB from ``large``), and a stream with one
               chunk worker instead of two (``--c1-mib``)

Order (:data:`bench.order.WHY`): each small-recipe scenario on a fresh stack of its own,
then the large ones on another, ending with a short paced run on that used stack (the
emulator's growth, reported); the one-worker stream on its own stack. Memory (peak RSS of
every function's workers and of the emulator) and CPU are measured for every scenario.
``--quick`` shrinks every size (for developing the harness). Inputs are generated under a
temp dir and deleted; results go to ``bench/results/`` (``--out``), compared with the
previous ``latest.json`` there.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import compare, report
from bench.order import plan
from bench.scenarios import Scenarios
from bench.targets import evaluate

MiB = 1024 * 1024
OUT = Path(__file__).resolve().parent / "results"
CHUNK_SIZE = 8 * MiB
PARTS = ("small", "offered", "large", "scaling")


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    parts = set(args.only.split(",")) if args.only else set(PARTS)
    if parts - set(PARTS):
        raise SystemExit(f"--only: unknown part(s) {', '.join(sorted(parts - set(PARTS)))}; known: {', '.join(PARTS)}")
    quick = args.quick
    large_mib = 32 if quick else 1024
    scaling_mib = [8, 16] if quick else [128, 256, 512]
    small_count = args.small_count or (24 if quick else 200)
    used_count = max(4, small_count * 3 // 10)
    offered_s = args.offered_seconds or (15.0 if quick else 60.0)
    c1_mib = 16 if quick else args.c1_mib
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:] if argv is None else argv,
        "commit": compare.commit(),
        "previous": compare.previous_run(Path(args.out)),  # read before this run replaces it
        "machine": _machine(),
        "chunk_size": CHUNK_SIZE,
        "order": [],
        "large": [],
        "baseline": [],
        "memory": {},
        "usage": {},
        "notes": [],
    }

    def write() -> None:
        _write(results, args.out)

    with tempfile.TemporaryDirectory(prefix="circulion-bench-") as tmp:
        run = Scenarios(args.offset, Path(tmp), results, write, _say, args.timeout)

        def scaling() -> None:
            for mib in scaling_mib:
                run.large("stream", mib, with_baseline=True)

        def large() -> None:
            run.large("stream", large_mib, with_baseline=True)
            run.large("asset", large_mib, with_baseline=True)

        scenarios: dict[str, Callable[[], None]] = {
            "small_paced": lambda: run.small("small_paced", small_count, args.clients, args.paced_rate),
            "offered": lambda: run.offered(args.offered_rate, offered_s, warm=args.clients),
            "small": lambda: run.small("small", small_count, args.clients, None),
            "large": large,
            "scaling": scaling,
            "small_paced_used": lambda: run.small("small_paced_used", used_count, args.clients, args.paced_rate),
            "one_worker": lambda: run.large("stream", c1_mib, with_baseline=False, workers=1),
        }
        for stack in plan(parts):
            with run.stack(stack.stack, chunk_workers=stack.chunk_workers):
                for name in stack.scenarios:
                    scenarios[name]()
    write()
    _say(f"wrote {args.out}/latest.json, latest.md, latest.png")


def _write(results: dict[str, Any], out: str) -> None:
    """Results so far (every scenario rewrites them: an interrupted run keeps its figures)."""
    results["machine"]["load_after"] = _load()
    results["targets"] = evaluate(results, CHUNK_SIZE)
    report.write(results, Path(out))


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
    parser.add_argument("--only", default="", help=f"comma-separated parts: {','.join(PARTS)}")
    parser.add_argument("--offset", type=int, default=int(os.environ.get("CIRCULION_PORT_OFFSET", "900")))
    parser.add_argument("--small-count", type=int, default=None, help="default 200 (24 with --quick)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--paced-rate", type=float, default=2.0, help="uploads/s of the paced small-recipe run")
    parser.add_argument("--offered-rate", type=float, default=4.0, help="uploads/s of the offered-load run")
    parser.add_argument("--offered-seconds", type=float, default=None, help="default 60 (15 with --quick)")
    parser.add_argument("--c1-mib", type=int, default=256, help="stream size run with one chunk worker")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for one scenario")
    parser.add_argument("--out", default=str(OUT))
    return parser


if __name__ == "__main__":
    main()
