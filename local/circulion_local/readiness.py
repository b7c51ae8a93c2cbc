"""Waiting for a process the stack started to answer (emulator, DynamoDB process, API)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable


def wait_until_answering(
    process: subprocess.Popen[bytes], answers: Callable[[], bool], timeout_s: float, interval_s: float = 0.1
) -> bool:
    """Poll ``answers`` until it is true; ``False`` once ``process`` exited or ``timeout_s``
    passed (the caller stops the process and says why: ``process.returncode`` tells which)."""
    deadline = time.monotonic() + timeout_s
    while not answers():
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(interval_s)
    return True
