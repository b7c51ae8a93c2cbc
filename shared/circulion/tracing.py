"""Tracing: the only module that imports ``aws_xray_sdk``.

The X-Ray SDK reaches end of support in February 2027; moving to OpenTelemetry must touch
this file only. Everything else speaks in trace *headers* (the
``Root=...;Parent=...;Sampled=...`` strings that travel on messages) and :func:`span`.

Where a span runs
-----------------
In Lambda the runtime owns the segment (the facade); each record becomes a subsegment that
carries the record's annotations. Everywhere else (the local runtime, the API server, the
CLI) each record becomes its own segment joined to the trace of the message it handles,
so one upload's flow shares one trace id end to end.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aws_xray_sdk import global_sdk_config
from aws_xray_sdk.core import patch, xray_recorder
from aws_xray_sdk.core.models.trace_header import TraceHeader

ANNOTATION_KEYS = ("recipe_id", "tenant_id", "service", "function", "chunk_index")

_state: dict[str, Any] = {"configured": False, "enabled": False, "service": "circulion"}


def configure(service: str, *, enabled: bool = True, daemon_address: str | None = None) -> None:
    """Set up tracing for this process once; later calls only change the service name.

    Sampling rules are not polled (the emulator has no sampling API): every span is
    sampled, which is what an SRE following one upload wants.
    """
    _state["service"] = service
    if _state["configured"]:
        return
    _state["configured"] = True
    _state["enabled"] = enabled
    if not enabled:
        global_sdk_config.set_sdk_enabled(False)
        return
    global_sdk_config.set_sdk_enabled(True)
    xray_recorder.configure(
        service=service,
        sampling=False,
        context_missing="IGNORE_ERROR",
        daemon_address=daemon_address or os.environ.get("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000"),
        streaming_threshold=50,
    )
    patch(("botocore",))


@dataclass(frozen=True)
class TraceContext:
    """A parsed trace header."""

    root: str
    parent: str | None
    sampled: bool

    def header(self) -> str:
        parts = [f"Root={self.root}"]
        if self.parent:
            parts.append(f"Parent={self.parent}")
        parts.append(f"Sampled={1 if self.sampled else 0}")
        return ";".join(parts)


def new_trace_id() -> str:
    """A fresh X-Ray trace id: version, epoch seconds in hex, 96 random bits."""
    return f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"


def parse_header(header: str | None) -> TraceContext | None:
    """Parse ``Root=...;Parent=...;Sampled=...``; ``None`` for a missing or rootless one."""
    if not header:
        return None
    parsed = TraceHeader.from_header_str(header)
    if not parsed.root:
        return None
    return TraceContext(root=parsed.root, parent=parsed.parent, sampled=parsed.sampled != 0)


def _in_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and bool(os.environ.get("LAMBDA_TASK_ROOT"))


@contextlib.contextmanager
def span(
    name: str,
    *,
    trace_header: str | None = None,
    annotations: Mapping[str, str | int | None] | None = None,
) -> Iterator[None]:
    """Run the enclosed code as one traced unit of work.

    Parameters
    ----------
    name
        ``service.function`` — what an SRE sees in the waterfall.
    trace_header
        The incoming message's header; the span joins that trace as its child. ``None``
        starts a new trace.
    annotations
        Indexed key/values (``recipe_id``, ``tenant_id``, ``chunk_index``...).

    Exceptions propagate, and are recorded on the span as a fault first.
    """
    if not _state["enabled"]:
        yield
        return
    context = parse_header(trace_header)
    lambda_mode = _in_lambda()
    if lambda_mode:
        entity = xray_recorder.begin_subsegment(name)
    else:
        entity = xray_recorder.begin_segment(
            name,
            traceid=context.root if context else new_trace_id(),
            parent_id=context.parent if context else None,
            sampling=1,
        )
    try:
        if entity is not None:
            entity.put_annotation("service", _state["service"])
            entity.put_annotation("function", name.rsplit(".", 1)[-1])
            for key, value in (annotations or {}).items():
                if value is not None:
                    entity.put_annotation(key, value)
        yield
    except BaseException as exc:
        if entity is not None:
            entity.add_exception(exc, _stack(exc))
        raise
    finally:
        if lambda_mode:
            xray_recorder.end_subsegment()
        else:
            xray_recorder.end_segment()


@contextlib.contextmanager
def subspan(name: str, **annotations: str | int) -> Iterator[None]:
    """A timed step inside the current span (a subsegment)."""
    if not _state["enabled"] or xray_recorder.current_segment() is None:
        yield
        return
    with xray_recorder.in_subsegment(name) as sub:
        if sub is not None:
            for key, value in annotations.items():
                sub.put_annotation(key, value)
        yield


def annotate(**annotations: str | int | None) -> None:
    """Add annotations to the current span (e.g. ``recipe_id`` once it is known)."""
    if not _state["enabled"]:
        return
    entity = xray_recorder.get_trace_entity()
    if entity is None:
        return
    for key, value in annotations.items():
        if value is not None:
            entity.put_annotation(key, value)


def current_trace_id() -> str | None:
    """The trace id of the current span, for log lines."""
    if not _state["enabled"]:
        return None
    entity = xray_recorder.get_trace_entity()
    return getattr(entity, "trace_id", None) if entity is not None else None


def outgoing_trace_header() -> str | None:
    """The header a message sent from inside the current span should carry."""
    if not _state["enabled"]:
        return None
    entity = xray_recorder.get_trace_entity()
    if entity is None or not getattr(entity, "trace_id", None):
        return None
    return TraceContext(root=entity.trace_id, parent=entity.id, sampled=True).header()


def _stack(exc: BaseException) -> list[Any]:
    import traceback

    return traceback.extract_tb(exc.__traceback__)
