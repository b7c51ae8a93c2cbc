"""``--watch`` loops stop on SIGINT and SIGTERM, even when started with SIGINT ignored."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from circulion_cli.stop_signals import stopped_by_signals

# A shell starts a job run with `&` with SIGINT ignored; the script starts the same way.
LOOP = """
import contextlib, signal, sys, time
from circulion_cli.stop_signals import stopped_by_signals
signal.signal(signal.SIGINT, signal.SIG_IGN)
with stopped_by_signals() if sys.argv[1] == "guarded" else contextlib.nullcontext():
    try:
        print("watching", flush=True)
        while True:
            time.sleep(0.05)
    except KeyboardInterrupt:
        print("stopped", flush=True)
        sys.exit(0)
"""


def _start(mode: str) -> subprocess.Popen[str]:
    loop = subprocess.Popen([sys.executable, "-c", LOOP, mode], stdout=subprocess.PIPE, text=True)
    assert loop.stdout is not None and loop.stdout.readline() == "watching\n"
    return loop


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_watch_started_as_a_background_job_stops_on_the_signal(stop: signal.Signals) -> None:
    loop = _start("guarded")
    loop.send_signal(stop)
    assert loop.wait(timeout=20) == 0
    assert loop.stdout is not None and loop.stdout.read() == "stopped\n"


def test_without_the_guard_such_a_job_ignores_ctrl_c() -> None:
    """What ``pull --watch &`` did before: SIGINT ignored, the loop went on."""
    loop = _start("bare")
    loop.send_signal(signal.SIGINT)
    with pytest.raises(subprocess.TimeoutExpired):
        loop.wait(timeout=1.5)
    loop.kill()
    loop.wait()


def test_the_previous_handlers_are_back_after_the_loop() -> None:
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    with stopped_by_signals():
        assert signal.getsignal(signal.SIGTERM) is not before[1]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
