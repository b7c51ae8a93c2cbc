"""One upload's flow from X-Ray: fetch the segments, build the flow (``render.render_flow`` draws it).

Every span of the pipeline carries the annotation ``recipe_id`` (see
``circulion.tracing``). X-Ray would find them with a ``FilterExpression``; the emulator
implements none and returns no annotations in its summaries, so this module lists the
traces of a time window, reads them whole with ``BatchGetTraces`` and keeps, on the client
side, the segments annotated with the recipe — or, in real Lambda where records are
subsegments of the function's segment, the annotated subsegments. Unannotated segments of
a matching trace (the API request that started it) belong to the flow too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from circulion_cli.errors import TraceUnavailable

BATCH_GET_LIMIT = 5
"""Trace ids per BatchGetTraces call (the API's limit)."""

Annotation = str | int | float | bool


@dataclass(frozen=True)
class Span:
    """One unit of work: a function handling one record, or the API handling one request."""

    trace_id: str
    id: str
    parent_id: str | None
    name: str
    service: str
    function: str
    start: float
    end: float
    in_progress: bool = False
    chunk_index: int | None = None
    error: bool = False
    fault: bool = False
    causes: tuple[str, ...] = ()
    annotations: dict[str, Annotation] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def stage(self) -> str:
        return f"{self.service}.{self.function}"

    @property
    def failed(self) -> bool:
        return self.error or self.fault


@dataclass(frozen=True)
class Flow:
    """Every span of one recipe's flow, in start order."""

    recipe_id: str
    trace_ids: tuple[str, ...]
    spans: tuple[Span, ...]

    @property
    def start(self) -> float:
        return min(s.start for s in self.spans)

    @property
    def end(self) -> float:
        return max(s.end for s in self.spans)

    @property
    def total(self) -> float:
        return self.end - self.start


def fetch_flow(
    xray_client: Any,
    recipe_id: str,
    since: datetime,
    until: datetime | None = None,
    *,
    server_filter: bool | None = None,
) -> Flow:
    """Read one recipe's flow from the X-Ray API.

    Parameters
    ----------
    xray_client
        A boto3 X-Ray client (the emulator's locally).
    recipe_id
        The ``recipe_id`` annotation to look for.
    since, until
        The window of trace start times to scan; ``until`` defaults to a minute from now.
    server_filter
        Let X-Ray select the traces with a ``FilterExpression``; by default only when the
        client talks to AWS itself, since the emulator answers a filter with a 500.

    Raises
    ------
    TraceUnavailable
        No segment in the window is annotated with the recipe.
    """
    until = until or datetime.now(UTC) + timedelta(minutes=1)
    if server_filter is None:
        server_filter = _is_aws(xray_client)
    expression = f"annotation.recipe_id = {json.dumps(recipe_id)}" if server_filter else None
    trace_ids = list(dict.fromkeys(_trace_ids(xray_client, since, until, expression)))
    documents = [
        doc
        for start in range(0, len(trace_ids), BATCH_GET_LIMIT)
        for doc in _documents(xray_client, trace_ids[start : start + BATCH_GET_LIMIT])
    ]
    flow = build_flow(recipe_id, documents)
    if not flow.spans:
        raise TraceUnavailable(
            f"no trace segment annotated recipe_id={recipe_id} since {since.isoformat(timespec='seconds')}"
            f" ({len(trace_ids)} traces scanned)"
        )
    return flow


def _is_aws(xray: Any) -> bool:
    endpoint = str(getattr(getattr(xray, "meta", None), "endpoint_url", ""))
    return endpoint.rstrip("/").endswith(".amazonaws.com")


def _trace_ids(xray: Any, since: datetime, until: datetime, expression: str | None) -> Iterator[str]:
    kwargs: dict[str, Any] = {"StartTime": since, "EndTime": until}
    if expression:
        kwargs["FilterExpression"] = expression
    while True:
        page = xray.get_trace_summaries(**kwargs)
        for summary in page.get("TraceSummaries", []):
            yield summary["Id"]
        if not page.get("NextToken"):
            return
        kwargs["NextToken"] = page["NextToken"]


def _documents(xray: Any, trace_ids: list[str]) -> Iterator[dict[str, Any]]:
    kwargs: dict[str, Any] = {"TraceIds": trace_ids}
    while True:
        page = xray.batch_get_traces(**kwargs)
        for trace in page.get("Traces", []):
            for segment in trace.get("Segments", []):
                yield json.loads(segment["Document"])
        if not page.get("NextToken"):
            return
        kwargs["NextToken"] = page["NextToken"]


def build_flow(recipe_id: str, documents: Iterable[Mapping[str, Any]]) -> Flow:
    """The flow of ``recipe_id`` among segment documents (pure: no I/O)."""
    documents = list(documents)
    matched: dict[str, Span] = {}
    for doc in documents:
        for entity in _annotated(doc, recipe_id):
            _keep(matched, _span(entity))
    traces = {span.trace_id for span in matched.values()}
    for doc in documents:
        if doc.get("trace_id") in traces and "recipe_id" not in doc.get("annotations", {}) and not _is_facade(doc):
            _keep(matched, _span(doc))
    spans = tuple(sorted(matched.values(), key=lambda s: (s.start, s.name)))
    return Flow(recipe_id=recipe_id, trace_ids=tuple(sorted(traces)), spans=spans)


def _annotated(entity: Mapping[str, Any], recipe_id: str, trace_id: str | None = None) -> Iterator[Mapping[str, Any]]:
    """The entity itself when annotated with the recipe, else its annotated subsegments."""
    # Subsegments embedded in a segment carry no trace id of their own: they inherit it.
    trace_id = entity.get("trace_id") or trace_id
    if entity.get("annotations", {}).get("recipe_id") == recipe_id:
        yield {**entity, "trace_id": trace_id}
        return
    for child in entity.get("subsegments", []):
        yield from _annotated(child, recipe_id, trace_id)


def _is_facade(doc: Mapping[str, Any]) -> bool:
    # Lambda's own function segments hold the annotated subsegments; they are not work of ours.
    return any(_annotated_any(sub) for sub in doc.get("subsegments", []))


def _annotated_any(entity: Mapping[str, Any]) -> bool:
    return "recipe_id" in entity.get("annotations", {}) or any(_annotated_any(s) for s in entity.get("subsegments", []))


def _keep(spans: dict[str, Span], span: Span) -> None:
    """Keep one span per id: the emulator stores an in-progress and a final document apart."""
    known = spans.get(span.id)
    if known is None or (known.in_progress and not span.in_progress):
        spans[span.id] = span


def _span(doc: Mapping[str, Any]) -> Span:
    annotations: dict[str, Annotation] = dict(doc.get("annotations", {}))
    name = str(doc.get("name", "?"))
    service, _, function = name.rpartition(".")
    start = float(doc["start_time"])
    in_progress = bool(doc.get("in_progress")) or "end_time" not in doc
    chunk = annotations.get("chunk_index")
    return Span(
        trace_id=str(doc.get("trace_id", "")),
        id=str(doc["id"]),
        parent_id=doc.get("parent_id"),
        name=name,
        service=str(annotations.get("service") or service or name),
        function=str(annotations.get("function") or function or name),
        start=start,
        end=start if in_progress else float(doc["end_time"]),
        in_progress=in_progress,
        chunk_index=chunk if isinstance(chunk, int) and not isinstance(chunk, bool) else None,
        error=bool(doc.get("error")),
        fault=bool(doc.get("fault")),
        causes=tuple(_causes(doc)),
        annotations=annotations,
    )


def _causes(doc: Mapping[str, Any]) -> Iterator[str]:
    cause = doc.get("cause")
    if isinstance(cause, dict):
        for exc in cause.get("exceptions", []):
            yield f"{exc.get('type', 'Error')}: {exc.get('message', '')}".rstrip(": ")
    for child in doc.get("subsegments", []):
        if child.get("fault") or child.get("error"):
            yield from (f"in {child.get('name')}: {c}" for c in _causes(child))


def max_parallelism(spans: Iterable[Span]) -> int:
    """The most spans running at the same instant (an end before a start at a tie)."""
    events = sorted([(s.start, 1) for s in spans] + [(s.end, -1) for s in spans])
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


def covered(spans: Iterable[Span]) -> float:
    """Wall-clock seconds during which at least one of the spans ran."""
    total, reach = 0.0, float("-inf")
    for span in sorted(spans, key=lambda s: s.start):
        if span.end > reach:
            total += span.end - max(span.start, reach)
            reach = span.end
    return total
