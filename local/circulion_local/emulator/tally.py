"""A count of the emulator's requests by service and operation, for the benchmarks.

``CIRCULION_EMULATOR_TALLY=FILE`` in the emulator's environment makes it rewrite ``FILE``
(JSON ``{"service operation": count}``) every second while requests arrive. The benchmark
divides the difference over a scenario by its recipes: the emulator's work per recipe,
by call. Off (and not installed) when the variable is unset. WSGI middleware around the
front's dispatcher (:class:`TallyRequests`), outermost, so DynamoDB requests count too.
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


def operation_of(environ: dict[str, Any]) -> str:
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
        self._lock = threading.Lock()
        self._written = 0.0

    def add(self, operation: str) -> None:
        with self._lock:
            self._counts[operation] += 1
            now = time.monotonic()
            if now - self._written < _WRITE_EVERY_S:
                return
            self._written = now
            snapshot = dict(self._counts)
        partial = self._path.with_suffix(".partial")
        partial.write_text(json.dumps(snapshot, sort_keys=True))
        partial.replace(self._path)


class TallyRequests:
    """WSGI middleware: each request counted in ``tally``, then served by ``app``."""

    def __init__(self, app: Callable[[dict[str, Any], Any], Iterable[bytes]], tally: Tally) -> None:
        self._app = app
        self._tally = tally

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self._tally.add(operation_of(environ))
        return self._app(environ, start_response)


def tally_if_asked(app: Callable[[dict[str, Any], Any], Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """``app`` behind :class:`TallyRequests` when ``CIRCULION_EMULATOR_TALLY`` is set, else ``app``."""
    target = os.environ.get(TALLY_ENV)
    return TallyRequests(app, Tally(Path(target))) if target else app
