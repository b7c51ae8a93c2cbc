"""Tracing: the only module that imports ``aws_xray_sdk``.

The X-Ray SDK reaches end of support in February 2027; moving to OpenTelemetry must touch
this file only. Everything else speaks in trace *headers* (the
``Root=...;Parent=...;Sampled=...`` strings that travel on messages) and :func:`span`.

Where a span runs
-----------------
In Lambda (``LAMBDA_TASK_ROOT`` set) the runtime owns the segment (the SDK's read-only
facade); each record becomes a subsegment that carries the record's annotations, and the
message's own trace is kept as a link in the subsegment's metadata because Lambda forces
its own trace id. Everywhere else (the local runtime, the API server, the CLI) each record
becomes its own segment joined to the trace of the message it handles (``parent_id`` is
the id of the span that sent the message, in another process), so one upload's flow shares
one trace id end to end.

Every span is sampled and the SDK never polls for sampling rules: the emulator has no
sampling API, and an SRE following one upload needs all of it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aws_xray_sdk import global_sdk_config
from aws_xray_sdk.core import patch, xray_recorder
from aws_xray_sdk.core.models.dummy_entities import DummySegment, DummySubsegment
from aws_xray_sdk.core.models.facade_segment import FacadeSegment
from aws_xray_sdk.core.models.trace_header import TraceHeader

from circulion.errors import PermanentError

ANNOTATION_KEYS = ("recipe_id", "tenant_id", "service", "function", "chunk_index")
DEFAULT_DAEMON_ADDRESS = "127.0.0.1:2000"
LINK_NAMESPACE = "circulion"
"""Metadata namespace of the incoming trace header when Lambda forced a new trace."""

# Subsegments beyond this many are sent as their own documents, keeping every UDP datagram
# well under the 64 KB the daemon reads (a botocore subsegment is ~1 KB).
_STREAMING_THRESHOLD = 20
_TRACE_ID = re.compile(r"1-[0-9a-f]{8}-[0-9a-f]{24}")
_ENTITY_ID = re.compile(r"[0-9a-f]{16}")

_state: dict[str, Any] = {"configured": False, "enabled": False, "service": "circulion"}


def configure(
    service: str,
    *,
    enabled: bool = True,
    daemon_address: str | None = None,
    emitter: Any = None,
) -> None:
    """Set up tracing for this process.

    The first call configures the SDK and patches botocore (every boto3 call becomes a
    subsegment of the current span); later calls change the service name, switch tracing
    on or off, and swap the daemon address or emitter when given.

    Parameters
    ----------
    service
        The service name put on every span (``upload``, ``splitter``...).
    enabled
        ``False`` makes every function here a no-op (unit tests, tools).
    daemon_address
        ``host:port`` of the X-Ray daemon; ``AWS_XRAY_DAEMON_ADDRESS`` wins when set, as in
        Lambda. Defaults to the SDK's ``127.0.0.1:2000``.
    emitter
        Anything with ``send_entity(entity)``; tests pass one that keeps the documents.
    """
    _state["service"] = service
    _state["enabled"] = enabled
    global_sdk_config.set_sdk_enabled(enabled)
    if not enabled:
        return
    first = not _state["configured"]
    _state["configured"] = True
    xray_recorder.configure(
        service=service,
        sampling=False,
        context_missing="IGNORE_ERROR",
        daemon_address=None if emitter is not None else _daemon_address(daemon_address, first=first),
        emitter=emitter,
        # In Lambda the SDK streams every finished subsegment at once (threshold 0): the
        # facade segment never ends in this process, so nothing else would send them.
        streaming_threshold=0 if _in_lambda() else _STREAMING_THRESHOLD,
    )
    if first:
        patch(("botocore",))


def _daemon_address(given: str | None, *, first: bool) -> str | None:
    """The address to (re)point the emitter at; ``None`` leaves it as it is."""
    if given:
        return given
    return os.environ.get("AWS_XRAY_DAEMON_ADDRESS", DEFAULT_DAEMON_ADDRESS) if first else None


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
    """Parse ``Root=...;Parent=...;Sampled=...``.

    ``None`` for a missing header or one whose root is not an X-Ray trace id (a client can
    send anything in ``X-Amzn-Trace-Id``); a malformed parent is dropped, so a segment is
    never emitted pointing at an id X-Ray would reject.
    """
    if not header:
        return None
    parsed = TraceHeader.from_header_str(header)
    if not parsed.root or not _TRACE_ID.fullmatch(parsed.root):
        return None
    parent = parsed.parent if parsed.parent and _ENTITY_ID.fullmatch(parsed.parent) else None
    return TraceContext(root=parsed.root, parent=parent, sampled=parsed.sampled != 0)


def _in_lambda() -> bool:
    return bool(os.environ.get("LAMBDA_TASK_ROOT"))


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
        ``service.function`` — what an SRE sees in the waterfall; the part after the last
        dot is annotated as ``function``.
    trace_header
        The incoming message's header; the span joins that trace as its child. ``None`` (or
        an unusable header) starts a new trace.
    annotations
        Indexed key/values (``recipe_id``, ``tenant_id``, ``chunk_index``...); ``None``
        values are left out.

    Exceptions propagate, recorded on the span first: a
    :class:`~circulion.errors.PermanentError` (bad input) as an *error*, anything else as
    a *fault*, as X-Ray tells client errors from server faults.

    Examples
    --------
    >>> with span("splitter.split", trace_header=msg.trace_header, annotations={"recipe_id": msg.recipe_id}):
    ...     handle(msg)
    """
    if not _state["enabled"]:
        yield
        return
    context = parse_header(trace_header)
    entity, is_segment = _begin(name, context)
    try:
        if entity is not None:
            entity.put_annotation("service", _state["service"])
            entity.put_annotation("function", name.rsplit(".", 1)[-1])
            for key, value in (annotations or {}).items():
                if value is not None:
                    entity.put_annotation(key, value)
            if context is not None and context.root != getattr(entity, "trace_id", None):
                entity.put_metadata("link", context.header(), LINK_NAMESPACE)
        yield
    except BaseException as exc:
        if entity is not None:
            _record_exception(entity, exc)
        raise
    finally:
        if is_segment:
            xray_recorder.end_segment()
        elif entity is not None:
            xray_recorder.end_subsegment()


def _begin(name: str, context: TraceContext | None) -> tuple[Any, bool]:
    """Open the span's entity; ``(entity, True)`` when it is a segment of its own."""
    if _in_lambda() or _current_segment() is not None:
        # Lambda's segment is read-only, and a span nested in another span (a route calling
        # a traced helper) must not replace its parent's segment: both get a subsegment.
        return xray_recorder.begin_subsegment(name), False
    segment = xray_recorder.begin_segment(
        name,
        traceid=context.root if context else new_trace_id(),
        parent_id=context.parent if context else None,
        sampling=1,
    )
    return segment, True


def _current_segment() -> Any:
    entity = xray_recorder.get_trace_entity()
    if entity is None or isinstance(entity, DummySegment | DummySubsegment):
        return None
    return entity


def _record_exception(entity: Any, exc: BaseException) -> None:
    entity.add_exception(exc, traceback.extract_tb(exc.__traceback__, limit=xray_recorder.max_trace_back))
    if isinstance(exc, PermanentError):
        # add_exception always flags a fault; bad input is the caller's error, not ours.
        entity.fault = False
        entity.add_error_flag()


@contextlib.contextmanager
def subspan(name: str, **annotations: str | int) -> Iterator[None]:
    """A timed step inside the current span (a subsegment); a no-op outside any span."""
    if not _state["enabled"] or _current_segment() is None:
        yield
        return
    with xray_recorder.in_subsegment(name) as sub:
        if sub is not None:
            for key, value in annotations.items():
                sub.put_annotation(key, value)
        yield


def annotate(**annotations: str | int | None) -> None:
    """Add annotations to the current span (e.g. ``recipe_id`` once it is known)."""
    entity = _writable_entity()
    if entity is None:
        return
    for key, value in annotations.items():
        if value is not None:
            entity.put_annotation(key, value)


def _writable_entity() -> Any:
    if not _state["enabled"]:
        return None
    entity = xray_recorder.get_trace_entity()
    # Lambda's facade segment raises on any change; dummies are unsampled.
    if entity is None or isinstance(entity, FacadeSegment | DummySegment | DummySubsegment):
        return None
    return entity


def current_trace_id() -> str | None:
    """The trace id of the current span, for log lines; ``None`` outside any span."""
    if not _state["enabled"]:
        return None
    entity = xray_recorder.get_trace_entity()
    if entity is None or isinstance(entity, DummySegment | DummySubsegment):
        return None
    trace_id = getattr(entity, "trace_id", None)
    return trace_id if isinstance(trace_id, str) else None


def outgoing_trace_header() -> str | None:
    """The header a message sent from inside the current span should carry.

    Its parent is the current entity (the span, or the step inside it), so the next hop's
    segment hangs under the work that sent the message.
    """
    if not _state["enabled"]:
        return None
    entity = xray_recorder.get_trace_entity()
    if entity is None or isinstance(entity, DummySegment | DummySubsegment):
        return None
    trace_id = getattr(entity, "trace_id", None)
    if not trace_id:
        return None
    return TraceContext(root=trace_id, parent=entity.id, sampled=True).header()
