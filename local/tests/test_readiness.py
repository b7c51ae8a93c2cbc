"""Waiting for a started process to answer: it answers, it exits, or time runs out."""

from __future__ import annotations

import subprocess
import sys

from circulion_local.readiness import wait_until_answering


def _sleeper(seconds: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])


def test_true_once_it_answers() -> None:
    calls = iter([False, False, True])
    process = _sleeper(5)
    try:
        assert wait_until_answering(process, lambda: next(calls), timeout_s=5, interval_s=0.01)
    finally:
        process.kill()
        process.wait()


def test_false_when_the_process_exits_first() -> None:
    process = _sleeper(0)
    process.wait()
    assert not wait_until_answering(process, lambda: False, timeout_s=5, interval_s=0.01)
    assert process.returncode == 0


def test_false_when_time_runs_out() -> None:
    process = _sleeper(5)
    try:
        assert not wait_until_answering(process, lambda: False, timeout_s=0.05, interval_s=0.01)
        assert process.poll() is None
    finally:
        process.kill()
        process.wait()
