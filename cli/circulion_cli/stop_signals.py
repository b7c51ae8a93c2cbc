"""``--watch`` loops end cleanly on Ctrl-C and on the stop signal a supervisor sends.

SIGTERM is how systemd, Docker and Kubernetes stop a process (a robot's ``pull --watch``
runs under one of them); SIGINT is Ctrl-C. A shell starts its background jobs with SIGINT
ignored, and Python then never raises KeyboardInterrupt for it: ``kill -INT`` did nothing to
a ``pull --watch &``. So for the loop's duration both signals are set to raise
KeyboardInterrupt, which the loops already treat as "stop, exit 0".
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt inside the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():  # only it may set handlers
        yield
        return
    previous = {number: signal.signal(number, _stop) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
