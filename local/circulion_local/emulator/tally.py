"""A count of the emulator's requests by service and operation, for the benchmarks.

``CIRCULION_EMULATOR_TALLY=FILE`` in the emulator's environment makes it rewrite ``FILE``
(JSON ``{"service operation": count}``) every second while requests arrive. The benchmark
divides the difference over a scenario by its recipes: the emulator's work per recipe,
by call. Off (and not installed) when the variable is unset. WSGI middleware around the
front's dispatcher (:class:`TallyRequests`), outermost, so DynamoDB requests count too.

Beside it, ``FILE`` with the suffix ``.cpu.json`` holds the CPU milliseconds the handling
thread spent per operation (``time.thread_time``: what the request cost the process, not
how long it waited for a core, so it can be compared across loads); the DynamoDB process
writes its own pair (``.dynamodb.json``, :func:`dynamodb_tally_path`). That is how a
per-request cost that grows with the stack's state is found (issue 21).
"""

from __future__ import annotations

import io
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

TALLY_ENV = "CIRCULION_EMULATOR_TALLY"
_WRITE_EVERY_S = 1.0

OBSERVER_APP_ID = "circulion-observer"
"""The SDK app id (``Config(user_agent_appid=...)``) of a client that watches the stack
rather than being part of it (the benchmark's event probe, its state sampler)."""
OBSERVER_PREFIX = "observer "
"""Prefix of the counters of an observer's requests, so a measurement leaves its own out."""


def operation_of(environ: dict[str, Any]) -> str:
    """``service operation`` of one request (``observer service operation`` for an observer's)."""
    observed = _service_operation(environ)
    agent = str(environ.get("HTTP_USER_AGENT", ""))
    return OBSERVER_PREFIX + observed if f"app/{OBSERVER_APP_ID}" in agent.split() else observed


def _service_operation(environ: dict[str, Any]) -> str:
    """``service operation`` of one request, from its signature, target, form body or method."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    service = auth.split("Credential=", 1)[1].split("/")[3] if "Credential=" in auth else "unsigned"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service} {str(target).rsplit('.', 1)[-1]}"
    if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        if action:
            return f"{service} {action}"
    query = str(environ.get("QUERY_STRING", ""))
    first = query.split("&", 1)[0].split("=", 1)[0] if query else ""
    return f"{service} {environ.get('REQUEST_METHOD', '?')}{'?' + first if first else ''}"


class Tally:
    """Counts requests and rewrites the file at most once a second."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._counts: Counter[str] = Counter()
        self._cpu_ms: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._written = 0.0

    def add(self, operation: str, cpu_s: float = 0.0) -> None:
        with self._lock:
            self._counts[operation] += 1
            self._cpu_ms[operation] += round(cpu_s * 1000)
            now = time.monotonic()
            if now - self._written < _WRITE_EVERY_S:
                return
            self._written = now
            snapshot, cpu = dict(self._counts), dict(self._cpu_ms)
        _replace(self._path, snapshot)
        _replace(cpu_path(self._path), cpu)


def cpu_path(path: Path) -> Path:
    """Where the tally at ``path`` keeps its CPU milliseconds per operation."""
    return path.with_suffix(".cpu.json")


def dynamodb_tally_path(path: Path) -> Path:
    """The DynamoDB process's tally beside the front's at ``path``."""
    return path.with_suffix(".dynamodb.json")


def _replace(path: Path, counts: dict[str, int]) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(counts, sort_keys=True))
    partial.replace(path)


class TallyRequests:
    """WSGI middleware: each request counted in ``tally``, then served by ``app``."""

    def __init__(self, app: Callable[[dict[str, Any], Any], Iterable[bytes]], tally: Tally) -> None:
        self._app = app
        self._tally = tally

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started = time.thread_time()
        operation = operation_of(environ)
        try:
            return self._app(environ, start_response)
        finally:
            self._tally.add(operation, time.thread_time() - started)


def tally_if_asked(
    app: Callable[[dict[str, Any], Any], Iterable[bytes]], *, dynamodb: bool = False
) -> Callable[..., Iterable[bytes]]:
    """``app`` behind :class:`TallyRequests` when ``CIRCULION_EMULATOR_TALLY`` is set, else ``app``.

    ``dynamodb``: the DynamoDB process's, written beside the front's (:func:`dynamodb_tally_path`).
    """
    target = os.environ.get(TALLY_ENV)
    if not target:
        return app
    path = dynamodb_tally_path(Path(target)) if dynamodb else Path(target)
    return TallyRequests(app, Tally(path))
