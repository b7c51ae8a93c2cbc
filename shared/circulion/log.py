"""Structured logging: every line one JSON object.

Fields ``level``, ``service``, ``function``, ``recipe_id``, ``tenant_id``, ``trace_id``
and ``message`` are always present (null when unknown), so an SRE can filter every
service's logs the same way. Context set with :func:`bind` lasts until :func:`clear`.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from circulion import tracing

_CONTEXT_KEYS = ("service", "function", "recipe_id", "tenant_id")
# An immutable default: every change builds a new dict, so contexts never share one.
_EMPTY: dict[str, Any] = {}
_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("circulion_log", default=_EMPTY)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line with the bound context."""

    def format(self, record: logging.LogRecord) -> str:
        context = _context.get()
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            **{key: context.get(key) for key in _CONTEXT_KEYS},
            "trace_id": tracing.current_trace_id(),
            "message": record.getMessage(),
        }
        for key, value in context.items():
            line.setdefault(key, value)
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            line.update(extra)
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def setup(service: str, level: str = "INFO") -> None:
    """Route the root logger to stdout as JSON lines; idempotent."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        root.handlers = [handler]
    root.setLevel(level)
    for noisy in ("botocore", "boto3", "urllib3", "aws_xray_sdk"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    bind(service=service)


def bind(**fields: Any) -> None:
    """Add fields to every later log line of this context."""
    _context.set({**_context.get(), **fields})


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
