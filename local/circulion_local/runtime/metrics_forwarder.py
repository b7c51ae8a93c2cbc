"""Every EMF document a function logs, forwarded to the emulator's CloudWatch.

In Lambda, CloudWatch Logs turns EMF lines into metrics; locally, functions write their
stdout to ``<state>/logs/functions/*.log`` (and the API to ``logs/api.log``). This thread
in the runtime supervisor follows those files like ``tail -F``, parses the EMF lines
(:mod:`.emf`) and sends them with ``PutMetricData`` in batches, once a second: nothing is
added to a function's own hot path. It calls the emulator with the runtime's
(administrator) credentials, never a function's.

Files present when the forwarder starts are read from their end (earlier runs' lines are
not sent again); files that appear later are read from the start. Datums the emulator
refused are kept for the next round, up to :data:`MAX_PENDING`.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from circulion_local.runtime.emf import Datum, datums_of_line

EVERY_S = 1.0
BATCH = 500
"""PutMetricData takes up to 1000 items; half keeps each request well under its 1 MB."""
MAX_PENDING = 50_000

_log = logging.getLogger("circulion_local")


class LogTail:
    """New complete lines of one growing file."""

    def __init__(self, path: Path, from_end: bool) -> None:
        self.path = path
        self._offset = path.stat().st_size if from_end and path.exists() else 0
        self._partial = b""

    def lines(self) -> list[bytes]:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return []
        if size < self._offset:  # truncated or replaced: start over
            self._offset, self._partial = 0, b""
        if size == self._offset:
            return []
        with self.path.open("rb") as handle:
            handle.seek(self._offset)
            data = handle.read(size - self._offset)
        self._offset += len(data)
        *complete, self._partial = (self._partial + data).split(b"\n")
        return complete


class MetricsForwarder:
    """Follows the log files matching ``patterns`` under ``logs_dir``; sends their EMF data."""

    def __init__(
        self, cloudwatch: Any, logs_dir: Path, patterns: Iterable[str] = ("functions/*.log", "api.log")
    ) -> None:
        self._cloudwatch = cloudwatch
        self._logs_dir = logs_dir
        self._patterns = tuple(patterns)
        self._tails: dict[Path, LogTail] = {}
        self._pending: list[Datum] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="metrics-forwarder", daemon=True)
        self.sent = 0
        self._discover(from_end=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Forward what is left, then stop."""
        self._stopping.set()
        self._thread.join(10)
        self.forward_once()

    def _discover(self, *, from_end: bool) -> None:
        for pattern in self._patterns:
            for path in self._logs_dir.glob(pattern):
                if path not in self._tails:
                    self._tails[path] = LogTail(path, from_end)

    def forward_once(self) -> int:
        """Read what was written since the last round and send it; returns the datums sent."""
        self._discover(from_end=False)
        for tail in list(self._tails.values()):
            for line in tail.lines():
                self._pending.extend(datums_of_line(line))
        pending, self._pending = self._pending, []
        by_namespace: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for datum in pending:
            by_namespace[datum.namespace].append(datum.item)
        sent = 0
        for namespace, items in by_namespace.items():
            for start in range(0, len(items), BATCH):
                batch = items[start : start + BATCH]
                try:
                    self._cloudwatch.put_metric_data(Namespace=namespace, MetricData=batch)
                except Exception as exc:  # noqa: BLE001 - the emulator is busy or restarting: retry next round
                    _log.warning("metrics forwarder: PutMetricData failed (%s); retrying", exc)
                    self._pending.extend(Datum(namespace, item) for item in batch)
                    continue
                sent += len(batch)
        if len(self._pending) > MAX_PENDING:
            _log.warning("metrics forwarder: dropping %d old datums", len(self._pending) - MAX_PENDING)
            self._pending = self._pending[-MAX_PENDING:]
        self.sent += sent
        return sent

    def _run(self) -> None:
        while not self._stopping.wait(EVERY_S):
            try:
                self.forward_once()
            except Exception:  # noqa: BLE001 - a forwarding bug must not stop the stack
                _log.exception("metrics forwarder round failed")
