"""The runtime's own log: short human-readable lines on the console and in a file.

Functions log JSON lines to their own files (``<state>/logs/functions/``); the runtime's
lines say what ran, how it ended and where to look.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from circulion_local.runtime.batch_outcome import BatchVerdict
from circulion_local.runtime.worker_process import Invocation

LOGGER_NAME = "circulion_local"
_FORMAT = "%(asctime)s %(message)s"
_DATE = "%H:%M:%S"


def setup(log_file: Path) -> logging.Logger:
    """Log the runtime's lines to stdout and to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.handlers.clear()
    formatter = logging.Formatter(_FORMAT, _DATE)
    for handler in (logging.StreamHandler(sys.stdout), logging.FileHandler(log_file)):
        handler.setFormatter(formatter)
        logger.addHandler(handler)
    return logger


def logger() -> logging.Logger:
    return logging.getLogger(LOGGER_NAME)


def invocation_line(label: str, records: int | None, verdict: BatchVerdict, invocation: Invocation) -> str:
    """``splitter.process_chunk  1 record  ok  12 ms`` (+ cold start, failures, reason).

    ``records`` is ``None`` for a scheduled invocation.
    """
    noun = "record" if records == 1 else "records"
    what = f"{'schedule':<11}" if records is None else f"{records:>3} {noun:<7}"
    parts = [f"{label:<28}", what, f"{verdict.outcome.value:<8}", f"{invocation.duration_ms:8.0f} ms"]
    if invocation.init_ms is not None:
        parts.append(f"(cold start {invocation.init_ms:.0f} ms)")
    if verdict.failed and verdict.succeeded:
        parts.append(f"{len(verdict.failed)} to retry")
    if verdict.reason and verdict.reason != "batchItemFailures":
        parts.append(f"- {verdict.reason}")
    return " ".join(parts)
