"""This run against the previous one, and the order/state table (no stack, no timing)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from bench import compare, order

MiB = 1024 * 1024
SHA_A, SHA_B = "a" * 40, "b" * 40


def _results(stream_s: float, paced_p50: float, per_s: float, sha: str) -> dict[str, Any]:
    return {
        "started": "2026-12-01T23:21:56+00:00",
        "argv": [],
        "commit": sha,
        "large": [
            {
                "kind": "stream",
                "size": 1024 * MiB,
                "chunk_workers": 2,
                "status": "DISTRIBUTED",
                "processing_s": stream_s,
                "processing_mb_s": round(1024 * MiB / 1e6 / stream_s, 2),
                "baseline_mb_s": 23.44,
            },
            {"kind": "asset", "size": 1024 * MiB, "chunk_workers": 2, "status": "TIMEOUT", "processing_s": 0.0},
        ],
        "small_paced": {"count": 200, "rate_per_s": 2.0, "latency_s": {"p50": paced_p50, "p99": 6.0}},
        "offered": {"rate_per_s": 4.0, "duration_s": 60.0, "latency_s": {"p50": 0.3, "p99": 0.9}},
        "small": {
            "count": 200,
            "latency_s": {"p50": 47.0, "p99": 64.6},
            "recipes_per_s": per_s,
            "emulator_requests_per_recipe": {"dynamodb GetItem": 15.73, "sqs ReceiveMessage": 7.35},
        },
    }


def test_the_headline_figures_of_a_run() -> None:
    found = compare.figures(_results(47.31, 2.278, 2.83, SHA_A))
    assert found["stream 1024 MiB, 2 workers: processing s"] == 47.31
    assert found["stream 1024 MiB, 2 workers: x baseline"] == 0.97
    assert found["small x200, paced 2/s: p50 s"] == 2.278
    assert found["small, offered 4/s for 60 s: p99 s"] == 0.9
    assert found["small x200, flat out: recipes/s"] == 2.83
    assert found["small x200, flat out: emulator requests per recipe"] == 23.1
    assert not any(name.startswith("asset") for name in found)  # not distributed: no figure to compare


def test_change_is_judged_by_the_figures_unit() -> None:
    assert compare.verdict("small, paced: p50 s", 0.28, 2.278) == "+714 % (worse)"
    assert compare.verdict("small, paced: p99 s", 6.0, 0.45) == "-92 % (better)"
    assert compare.verdict("small, flat out: recipes/s", 4.77, 2.83) == "-41 % (worse)"
    assert compare.verdict("stream 1024 MiB, 2 workers: x baseline", 0.97, 1.3) == "+34 % (better)"
    assert compare.verdict("stream 1024 MiB, 2 workers: processing s", 47.3, 45.0) == "-5 %"  # within the noise
    assert compare.verdict("small, paced: p50 s", None, 1.0) == "-"
    assert compare.verdict("small, paced: p50 s", 1.0, None) == "-"


def test_the_previous_run_is_read_before_it_is_replaced(tmp_path: Path) -> None:
    assert compare.previous_run(tmp_path) is None
    (tmp_path / "latest.json").write_text(json.dumps(_results(47.31, 2.278, 2.83, SHA_A)))
    before = compare.previous_run(tmp_path)
    assert before is not None
    assert before["commit"] == SHA_A
    assert before["figures"]["small x200, paced 2/s: p50 s"] == 2.278
    assert "large" not in before  # only the figures travel: no chain of earlier runs


def test_results_without_a_commit_name_the_commit_that_checked_them_in(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, text=True)
        return done.stdout.strip()

    git("init", "-q")
    old = _results(47.31, 2.278, 2.83, SHA_A)
    del old["commit"]
    (tmp_path / "latest.json").write_text(json.dumps(old))
    git("add", "latest.json")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "results")
    before = compare.previous_run(tmp_path)
    assert before is not None
    assert before["commit"] == git("rev-parse", "HEAD") + "+results-commit"


def test_the_report_shows_before_and_after_with_both_commits() -> None:
    now = _results(31.0, 0.3, 8.1, SHA_B)
    now["previous"] = {"started": "2026-12-01T23:21:56+00:00", "argv": [], "commit": SHA_A} | {
        "figures": compare.figures(_results(47.31, 2.278, 2.83, SHA_A)) | {"gone: p50 s": 1.0}
    }
    text = "\n".join(compare.markdown(now))
    assert f"| figure | before ({SHA_A[:7]}) | now ({SHA_B[:7]}) | change |" in text
    assert f"git log {SHA_A[:7]}..{SHA_B[:7]}" in text
    assert "| small x200, paced 2/s: p50 s | 2.278 | 0.3 | -87 % (better) |" in text
    assert "| stream 1024 MiB, 2 workers: processing s | 47.31 | 31 | -34 % (better) |" in text
    assert "| gone: p50 s | 1 | - | - |" in text  # a figure the new run lacks is still listed
    assert compare.markdown(_results(31.0, 0.3, 8.1, SHA_B)) == []  # nothing to compare with


def test_runs_of_another_load_are_not_compared() -> None:
    quick = _results(31.0, 0.3, 8.1, SHA_B)
    quick["small_paced"]["count"] = 24
    quick["offered"]["duration_s"] = 15.0
    names = set(compare.figures(quick))
    assert "small x24, paced 2/s: p50 s" in names and "small, offered 4/s for 15 s: p99 s" in names
    assert not names & {"small x200, paced 2/s: p50 s", "small, offered 4/s for 60 s: p99 s"}


def test_the_commit_of_this_checkout() -> None:
    sha = compare.commit()
    assert len(sha.partition("+")[0]) == 40


def test_the_order_table_shows_each_scenarios_stack_and_state() -> None:
    r = {
        "order": [
            {
                "scenario": "small_paced",
                "stack": "paced",
                "on_stack": 1,
                "started": "2026-12-02T00:19:08+00:00",
                "seconds": 110.2,
                "before": {"objects": 0, "table_items": 2, "queued_messages": 0, "emulator_rss_mib": 310.5},
                "after": {"objects": 1640, "table_items": 1210, "queued_messages": 3, "emulator_rss_mib": 702.0},
            },
            {
                "scenario": "small_paced_used",
                "stack": "large",
                "on_stack": 6,
                "started": "2026-12-02T00:59:00+00:00",
                "before": {"table_items": 900, "emulator_rss_mib": 2710.0},
            },
        ]
    }
    text = "\n".join(order.markdown(r))
    assert order.WHY in text
    assert "| 1 | small_paced | paced (1) | 00:19:08 | 110.2 | 0 -> 1640 | 2 -> 1210 | 0 -> 3 | 310.5 -> 702 |" in text
    assert "| 2 | small_paced_used | large (6) | 00:59:00 | - | - -> - | 900 -> - | - -> - | 2710 -> - |" in text
    assert order.markdown({}) == []


def test_a_large_run_is_named_as_asked_not_by_its_overshooting_size() -> None:
    stream = {"kind": "stream", "size": 34 * MiB + 5, "chunk_workers": 1}
    assert compare.scenario_name(stream) == "stream 34 MiB, 1 worker"  # older results: from the size
    assert compare.scenario_name(stream | {"scenario": "stream 32 MiB, 1 worker"}) == "stream 32 MiB, 1 worker"


def test_small_recipe_scenarios_run_each_on_a_fresh_stack_before_the_large_ones() -> None:
    runs = order.plan({"small", "offered", "large", "scaling"})
    assert [(r.stack, r.scenarios, r.chunk_workers) for r in runs] == [
        ("paced", ("small_paced",), 2),
        ("offered", ("offered",), 2),
        ("flat-out", ("small",), 2),
        ("large", ("large", "scaling", "small_paced_used"), 2),  # the growth, measured last
        ("one-worker", ("one_worker",), 1),
    ]
    assert len({r.stack for r in runs}) == len(runs)  # no stack is reused


def test_only_the_parts_asked_for_are_planned() -> None:
    assert [r.scenarios for r in order.plan({"offered"})] == [("offered",)]
    assert [r.scenarios for r in order.plan({"large"})] == [("large",)]  # no used-stack run without "small"
    assert [r.stack for r in order.plan({"scaling"})] == ["large", "one-worker"]
    assert order.plan(set()) == []
