"""One upload's flow from X-Ray: fetch the segments, render the waterfall.

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
CHUNK_FUNCTION = "process_chunk"
_BAR_WIDTH = 40

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


def render_flow(flow: Flow) -> str:
    """The flow as a text waterfall, chunk workers grouped, then where the time went."""
    # Only the workers: the merger and the status projection also see chunk-indexed messages.
    chunks = [s for s in flow.spans if s.function == CHUNK_FUNCTION]
    chunk_ids = {s.id for s in chunks}
    others = [s for s in flow.spans if s.id not in chunk_ids]
    lines = [
        f"recipe {flow.recipe_id}: {len(flow.spans)} spans in {len(flow.trace_ids)} trace(s) "
        f"({', '.join(flow.trace_ids)}); {flow.total:.3f} s from first start to last end",
        f"{'offset':>9} {'duration':>9}  {'service':<12}{'function':<18}{'':<{_BAR_WIDTH + 2}}status",
    ]
    group_drawn = False
    for span in others:
        if chunks and not group_drawn and chunks[0].start <= span.start:
            lines += _chunk_group(flow, chunks)
            group_drawn = True
        lines.append(_row(flow, span, span.service, span.function))
    if chunks and not group_drawn:
        lines += _chunk_group(flow, chunks)
    lines += ["", "where the time went (wall clock, overlapping spans counted once):"]
    lines += _time_budget(flow)
    failures = [s for s in flow.spans if s.failed]
    if failures:
        lines += ["", "errors:"]
        for span in failures:
            kind = "fault" if span.fault else "error"
            where = f"{span.stage}" + (f" chunk {span.chunk_index}" if span.chunk_index is not None else "")
            lines.append(f"  {kind} in {where} at +{span.start - flow.start:.3f}s (segment {span.id})")
            lines += [f"    {cause}" for cause in span.causes or ("(no cause recorded)",)]
    return "\n".join(lines)


def _chunk_group(flow: Flow, chunks: list[Span]) -> list[str]:
    first, last = min(s.start for s in chunks), max(s.end for s in chunks)
    busy = sum(s.duration for s in chunks)
    header = (
        f"{first - flow.start:>+8.3f}s {last - first:>8.3f}s  chunk workers: {len(chunks)} chunks, "
        f"up to {max_parallelism(chunks)} in parallel, {busy:.3f} s busy "
        f"(x{busy / (last - first) if last > first else 1:.1f} over their wall clock)"
    )
    ordered = sorted(chunks, key=lambda s: (s.chunk_index if s.chunk_index is not None else -1, s.start))
    label = [f"  chunk {s.chunk_index}" if s.chunk_index is not None else f"  {s.function}" for s in ordered]
    return [header] + [_row(flow, s, s.service, name) for s, name in zip(ordered, label, strict=True)]


def _row(flow: Flow, span: Span, service: str, function: str) -> str:
    scale = _BAR_WIDTH / flow.total if flow.total > 0 else 0.0
    offset = int((span.start - flow.start) * scale)
    width = max(1, round(span.duration * scale))
    bar = ("." * offset + ("!" if span.failed else "#") * width)[:_BAR_WIDTH].ljust(_BAR_WIDTH)
    status = "FAULT" if span.fault else "ERROR" if span.error else "in progress" if span.in_progress else "ok"
    return f"{span.start - flow.start:>+8.3f}s {span.duration:>8.3f}s  {service:<12}{function:<18}|{bar}| {status}"


def _time_budget(flow: Flow) -> list[str]:
    stages: dict[str, list[Span]] = {}
    for span in flow.spans:
        stages.setdefault(span.stage, []).append(span)
    total = flow.total or 1.0
    lines = []
    for stage, spans in sorted(stages.items(), key=lambda item: min(s.start for s in item[1])):
        wall = covered(spans)
        busy = sum(s.duration for s in spans)
        extra = f" ({len(spans)} spans, {busy:.3f} s busy)" if len(spans) > 1 else ""
        lines.append(f"  {stage:<30}{wall:>9.3f} s {100 * wall / total:>5.1f}%{extra}")
    idle = flow.total - covered(flow.spans)
    lines.append(f"  {'between spans (queues, polling)':<30}{idle:>9.3f} s {100 * idle / total:>5.1f}%")
    lines.append(f"  {'total':<30}{flow.total:>9.3f} s")
    return lines
