"""Measures what a scenario uses in AWS terms (:class:`bench.bill.Usage`) on the local stack.

Three sources, each read as a difference between the start and the end of a scenario: the
emulator's request tally, the functions' log files (``REPORT ... Duration: X ms`` per
invocation, as Lambda writes it, and the bytes logged), and the API calls the benchmark's
clients made (:data:`API_CALLS`, counted by :class:`CountingClient`).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from bench.bill import Usage
from bench.stack import RunningStack
from circulion_cli.client import CirculionClient
from circulion_cli.transport import HttpResponse
from circulion_local.emulator.tally import OBSERVER_PREFIX

TALLY_LAG_S = 1.5
"""The emulator rewrites its tally once a second: wait this long for it to include a request."""
_REPORT = re.compile(rb"^REPORT RequestId: \S+\tDuration: ([0-9.]+) ms", re.MULTILINE)


class ApiCalls:
    """Calls made and seconds waited, across the benchmark's client threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.seconds = 0.0

    def add(self, seconds: float) -> None:
        with self._lock:
            self.count += 1
            self.seconds += seconds


API_CALLS = ApiCalls()


class CountingClient(CirculionClient):
    """The CLI's client, counting each API call into :data:`API_CALLS` (retries included)."""

    def _send(self, method: str, path: str, *, body: object = None, retry: bool | None = None) -> HttpResponse:
        started = time.monotonic()
        try:
            return super()._send(method, path, body=body, retry=retry)
        finally:
            API_CALLS.add(time.monotonic() - started)


def grown(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """What each counter of a tally grew by (counters that did not grow are left out)."""
    return {op: n - before.get(op, 0) for op, n in after.items() if n > before.get(op, 0)}


def pipeline_and_observer(requests: Mapping[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """The pipeline's requests, and the benchmark's own (its event probe, its state samples).

    >>> pipeline_and_observer({"sqs ReceiveMessage": 3, "observer sqs ReceiveMessage": 2})
    ({'sqs ReceiveMessage': 3}, {'sqs ReceiveMessage': 2})
    """
    pipeline = {op: n for op, n in requests.items() if not op.startswith(OBSERVER_PREFIX)}
    observer = {op.removeprefix(OBSERVER_PREFIX): n for op, n in requests.items() if op.startswith(OBSERVER_PREFIX)}
    return pipeline, observer


class UsageMeter:
    """``start()`` before a scenario, ``stop(recipes)`` after it: what it used."""

    def __init__(self, stack: RunningStack) -> None:
        self._stack = stack
        self._logs = stack.state_dir / "logs" / "functions"
        self._offsets: dict[Path, int] = {}
        self._requests: dict[str, int] = {}
        self._api = (0, 0.0)
        self.observer_requests: dict[str, int] = {}
        """The benchmark's own requests in the last scenario, left out of its usage."""

    def start(self) -> UsageMeter:
        self._requests = self._stack.emulator_requests()
        self._offsets = {path: path.stat().st_size for path in self._logs.glob("*.log")}
        self._api = (API_CALLS.count, API_CALLS.seconds)
        return self

    def stop(self, recipes: int) -> Usage:
        time.sleep(TALLY_LAG_S)
        after = self._stack.emulator_requests()
        requests, self.observer_requests = pipeline_and_observer(grown(self._requests, after))
        lambda_ms: dict[str, float] = {}
        invocations: dict[str, int] = {}
        log_bytes = 0
        for path in sorted(self._logs.glob("*.log")):
            with path.open("rb") as log:
                log.seek(self._offsets.get(path, 0))
                new = log.read()
            log_bytes += len(new)
            durations = [float(ms) for ms in _REPORT.findall(new)]
            if durations:  # Lambda bills each invocation rounded up to the millisecond
                lambda_ms[path.stem] = float(sum(math.ceil(ms) for ms in durations))
                invocations[path.stem] = len(durations)
        count, seconds = API_CALLS.count - self._api[0], API_CALLS.seconds - self._api[1]
        return Usage(recipes, requests, lambda_ms, invocations, log_bytes, count, seconds * 1000)


def per_recipe(before: Mapping[str, int], after: Mapping[str, int], recipes: int) -> dict[str, float]:
    """Emulator requests per recipe by operation between two tallies, most frequent first."""
    return {op: round(n / recipes, 2) for op, n in sorted(grown(before, after).items(), key=lambda item: -item[1])}
