"""Structured logging: every line one JSON object.

Fields ``level``, ``service``, ``function``, ``recipe_id``, ``tenant_id``, ``trace_id``
and ``message`` are always present (null when unknown), so an SRE can filter every
service's logs the same way and jump from a line to its trace. The service set by
:func:`setup` holds for every thread of the process; context set with :func:`bind` or
:func:`bound` holds for the current context (thread, task) only.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

from circulion import tracing

CORE_FIELDS = ("level", "service", "function", "recipe_id", "tenant_id", "trace_id", "message")
_CONTEXT_KEYS = ("service", "function", "recipe_id", "tenant_id")
# Written by the formatter only: a call's extra fields cannot forge them.
_RESERVED = frozenset({"timestamp", "level", "message", "trace_id", "logger"})

# Process-wide: a thread (the API server's request threads) starts with an empty context,
# yet its lines must still name the service.
_process: dict[str, Any] = {}
# An immutable default: every change builds a new dict, so contexts never share one.
_EMPTY: dict[str, Any] = {}
_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("circulion_log", default=_EMPTY)


def current_fields() -> dict[str, Any]:
    """The fields every log line of this context carries (process-wide ones included)."""
    return {**_process, **_context.get()}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line with the bound context."""

    def format(self, record: logging.LogRecord) -> str:
        context = current_fields()
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            **{key: context.get(key) for key in _CONTEXT_KEYS},
            "trace_id": tracing.current_trace_id(),
            "message": record.getMessage(),
            "logger": record.name,
        }
        for key, value in context.items():
            line.setdefault(key, value)
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            line.update({key: value for key, value in extra.items() if key not in _RESERVED})
        if record.exc_info and record.exc_info[0] is not None:
            line["exception_type"] = record.exc_info[0].__name__
            line["exception"] = self.formatException(record.exc_info)
        # default=str: a stray datetime or Path in the fields must not lose the line.
        return json.dumps(line, default=str)


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is at the time (Lambda, a test's capture)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """The stream is always the current stdout; StreamHandler's assignment is ignored."""


def setup(service: str, level: str = "INFO") -> None:
    """Route the root logger to stdout as JSON lines; idempotent.

    Any other root handler (Lambda's own, a framework's) is replaced, so no line leaves
    the process unstructured.
    """
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        root.handlers = [handler]
    root.setLevel(level)
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The SDK warns "No segment found" for every boto3 call outside a span (cold-start
    # lookups, schedules) even with context_missing=IGNORE_ERROR: noise, not news.
    logging.getLogger("aws_xray_sdk").setLevel(logging.ERROR)
    _process["service"] = service


def bind(**fields: Any) -> None:
    """Add fields to every later log line of this context."""
    _context.set({**_context.get(), **fields})


def clear() -> None:
    """Drop every field bound in this context (the service stays)."""
    _context.set(_EMPTY)


@contextlib.contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add fields for the enclosed block only."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)


def fields(**values: Any) -> dict[str, Any]:
    """``extra=`` for a log call: ``log.info("done", extra=fields(bytes=n))``."""
    return {"fields": values}
