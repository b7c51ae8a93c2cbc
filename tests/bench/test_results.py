"""The benchmark's verdicts and report, from a results document (no stack, no timing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import report
from bench.targets import evaluate
from bench.usage import per_recipe

MiB = 1024 * 1024
CHUNK = 8 * MiB


def _large(kind: str, mib: int, seconds: float, baseline_mb_s: float | None, workers: int = 2) -> dict[str, Any]:
    size = mib * MiB
    row: dict[str, Any] = {
        "kind": kind,
        "size": size,
        "chunk_workers": workers,
        "status": "DISTRIBUTED",
        "stages": {"upload": 1.0, "chunks": seconds - 1},
        "processing_s": seconds,
        "chunks": mib // 8,
        "processing_mb_s": round(size / 1e6 / seconds, 2),
    }
    if baseline_mb_s is not None:
        row["baseline_mb_s"] = baseline_mb_s
    return row


def _small(p50: float, p99: float, per_s: float, rate: float | None = None) -> dict[str, Any]:
    return {
        "count": 200,
        "clients": 8,
        "rate_per_s": rate,
        "distributed": 200,
        "latency_s": {"p50": p50, "p95": p99, "p99": p99, "max": p99},
        "latencies": [p50] * 100 + [p99] * 100,
        "recipes_per_s": per_s,
        "median_stage_s": {"validation": 0.03, "distribution": 0.8},
        "emulator_requests_per_recipe": {"dynamodb GetItem": 13.2, "sqs ReceiveMessage": 8.1},
    }


def _offered(distributed: int, p99: float, offered: int = 240) -> dict[str, Any]:
    return {
        "rate_per_s": 4.0,
        "duration_s": 60.0,
        "offered": offered,
        "uploaded": offered,
        "upload_errors": [],
        "distributed": distributed,
        "not_finished": offered - distributed,
        "latency_s": {"p50": 0.3, "p95": p99, "p99": p99, "max": p99},
        "latencies": [0.3] * distributed,
        "max_in_flight": {"total": 3, "validation": 1, "merge": 2},
        "max_start_lag_s": 0.004,
        "median_stage_s": {"validation": 0.05},
        "client_cpu_s": 6.1,
        "client_cpu_share": 0.1,
        "wall_s": 61.0,
    }


@pytest.fixture
def results() -> dict[str, Any]:
    return {
        "started": "2026-11-22T04:52:26+00:00",
        "argv": [],
        "machine": {"cpus": 2, "memory_gib": 23.5, "python": "3.11.7", "load_before": "0.9", "load_after": "1.6"},
        "chunk_size": CHUNK,
        "large": [
            _large("stream", 1024, 38.14, 27.34),
            _large("asset", 1024, 22.48, 44.46),
            _large("stream", 128, 5.45, 26.77),
            _large("stream", 256, 19.03, None, workers=1),
        ],
        "baseline": [{"kind": "stream", "size": 1024 * MiB, "seconds": 39.3, "mb_s": 27.3, "records": 9, "invalid": 0}],
        "small": _small(30.0, 39.7, 4.56),
        "small_paced": _small(1.0, 2.0, 1.98, rate=2.0),
        "offered": _offered(240, 1.7),
        "memory": {
            "stream 1024 MiB, 2 workers": {
                "splitter.process_chunk": {"peak_mib": 108.2, "processes": 2, "cpu_s": 47.6},
                "merger.coordinate": {"peak_mib": 103.3, "processes": 2, "cpu_s": 3.0},
                "emulator": {"peak_mib": 1446.1, "processes": 2, "cpu_s": 16.6},
            }
        },
        "notes": [],
    }


def test_each_target_is_judged_from_the_figures(results: dict[str, Any]) -> None:
    found = evaluate(results, CHUNK)
    by_target = {t["target"]: t for t in found}
    stream = by_target["stream 1024 MiB: pipeline >= 1.3x baseline throughput"]
    assert not stream["met"]
    assert stream["measured"].endswith("= 1.03x")
    assert by_target["asset 1024 MiB: pipeline >= 1.0x baseline throughput"]["met"]
    assert not by_target["small, 8 clients flat out: >= 8.0 recipes/s"]["met"]
    assert not by_target["small, paced at 2.0/s: p50 <= 0.4 s"]["met"]
    assert not by_target["small, paced at 2.0/s: p99 <= 1.0 s"]["met"]
    assert by_target["small, offered at 4/s for 60 s: all DISTRIBUTED"]["measured"] == "240/240"
    assert by_target["small, offered at 4/s for 60 s: all DISTRIBUTED"]["met"]
    assert by_target["small, offered at 4/s for 60 s: p99 <= 2.0 s"]["met"]
    requests = by_target["emulator requests per small recipe <= 40.0"]
    assert requests["measured"] == "21.3"
    assert requests["met"]
    linear = next(t for t in found if t["target"].startswith("linear"))
    assert linear["met"]
    assert linear["measured"] == f"{38.14 / 5.45:.2f}x"
    assert all(t["met"] for t in found if "RSS" in t["target"] or "worker <=" in t["target"] or "merger" in t["target"])


def test_targets_follow_the_figures_not_the_names(results: dict[str, Any]) -> None:
    results["small"] = _small(0.4, 1.2, 8.0)
    results["small"]["emulator_requests_per_recipe"] = {"dynamodb GetItem": 30.0, "sqs ReceiveMessage": 10.5}
    results["small_paced"] = _small(0.4, 1.0, 1.99, rate=2.0)
    results["offered"] = _offered(239, 2.1)
    results["large"][0] = _large("stream", 1024, 20.0, 27.34)  # 53.7 MB/s: 1.96x
    by_target = {t["target"]: t["met"] for t in evaluate(results, CHUNK)}
    assert by_target["small, paced at 2.0/s: p50 <= 0.4 s"]
    assert by_target["small, paced at 2.0/s: p99 <= 1.0 s"]
    assert by_target["small, 8 clients flat out: >= 8.0 recipes/s"]
    assert not by_target["emulator requests per small recipe <= 40.0"]  # 40.5
    assert not by_target["small, offered at 4/s for 60 s: all DISTRIBUTED"]  # one of 240 missing
    assert not by_target["small, offered at 4/s for 60 s: p99 <= 2.0 s"]
    assert by_target["stream 1024 MiB: pipeline >= 1.3x baseline throughput"]
    results["memory"]["stream 1024 MiB, 2 workers"]["splitter.process_chunk"]["peak_mib"] = 200.0
    assert not next(t for t in evaluate(results, CHUNK) if t["target"].startswith("chunk worker"))["met"]


def test_the_report_shows_both_small_runs_cpu_and_requests(results: dict[str, Any], tmp_path: Path) -> None:
    results["targets"] = evaluate(results, CHUNK)
    report.write(results, tmp_path)
    text = (tmp_path / "latest.md").read_text()
    assert "| as fast as the clients go | 200/200 | 30.0 s" in text
    assert "| paced (2.0/s) | 200/200 | 1.0 s" in text
    offered_row = next(line for line in text.splitlines() if line.startswith("| 240 | 240 | 240 |"))
    assert "| 1.7 s |" in offered_row and "| 3 (validation 1, merge 2) |" in offered_row
    assert "6.1 CPU-s = 0.1" in offered_row
    assert "Emulator requests per recipe" in text and "dynamodb GetItem 13.2" in text
    assert "## CPU seconds per scenario" in text and "| 47.6 |" in text
    stream_row = next(line for line in text.splitlines() if line.startswith("| stream 1024 MiB: pipeline >= 1.3x"))
    assert stream_row.endswith("vs 27.34 MB/s = 1.03x | **no** |")
    assert (tmp_path / "latest.json").exists()
    assert (tmp_path / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_requests_per_recipe_count_only_what_grew() -> None:
    before = {"sqs ReceiveMessage": 100, "dynamodb GetItem": 10}
    after = {"sqs ReceiveMessage": 150, "dynamodb GetItem": 30, "s3 PUT": 5}
    assert per_recipe(before, after, 10) == {"sqs ReceiveMessage": 5.0, "dynamodb GetItem": 2.0, "s3 PUT": 0.5}


def test_the_stream_cpu_target_sums_the_functions_not_the_emulator(results: dict[str, Any]) -> None:
    cpu = next(t for t in evaluate(results, CHUNK) if t["target"].startswith("stream 1024 MiB: CPU-s"))
    assert cpu["measured"] == "50.6 vs 39.3 CPU-s"  # chunk workers 47.6 + merger 3.0; the emulator's 16.6 not counted
    assert not cpu["met"]
    results["memory"]["stream 1024 MiB, 2 workers"]["splitter.process_chunk"]["cpu_s"] = 36.0
    assert next(t for t in evaluate(results, CHUNK) if t["target"].startswith("stream 1024 MiB: CPU-s"))["met"]


def test_the_asset_target_needs_two_consecutive_runs(results: dict[str, Any]) -> None:
    def asset() -> dict[str, Any]:
        return next(t for t in evaluate(results, CHUNK) if "consecutive" in t["target"])

    assert asset()["target"] == "asset 1024 MiB: >= 1.0x baseline in two consecutive runs"
    assert not asset()["met"] and "no previous run" in asset()["measured"]  # 1.07x now is one run
    previous = {"commit": "3a4a706" + "0" * 33, "figures": {"asset 1024 MiB, 2 workers: x baseline": 0.94}}
    results["previous"] = previous
    assert asset()["measured"] == "0.94x (previous, 3a4a706), 1.07x now"
    assert not asset()["met"]
    previous["figures"]["asset 1024 MiB, 2 workers: x baseline"] = 1.02
    assert asset()["met"]
