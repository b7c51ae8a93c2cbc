"""circulion_cli.trace: finding one recipe's flow among X-Ray documents and rendering it.

The documents are shaped as circulion.tracing makes them (see shared/tests/test_tracing.py);
fetch_flow runs against the X-Ray API of an in-process moto, which stores and returns them
as the emulator does.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from circulion_cli.errors import TraceUnavailable
from circulion_cli.render import render_flow
from circulion_cli.trace import Span, build_flow, covered, fetch_flow, max_parallelism

T0 = time.time() - 30
TRACE = f"1-{int(T0):08x}-{os.urandom(12).hex()}"


def seg(name: str, start: float, end: float | None, *, trace: str = TRACE, **extra: Any) -> dict[str, Any]:
    service, _, function = name.partition(".")
    doc: dict[str, Any] = {
        "id": os.urandom(8).hex(),
        "trace_id": trace,
        "name": name,
        "start_time": T0 + start,
        "annotations": {"service": service, "function": function, **extra.pop("annotations", {})},
        **extra,
    }
    if end is None:
        doc["in_progress"] = True
    else:
        doc["end_time"] = T0 + end
        doc["in_progress"] = False
    return doc


def recipe(recipe_id: str = "r-1", **more: Any) -> dict[str, Any]:
    return {"annotations": {"recipe_id": recipe_id, "tenant_id": "t-1", **more}}


def pipeline() -> list[dict[str, Any]]:
    """An upload in three chunks, two workers at a time, the merger faulting once."""
    return [
        seg("upload.create_recipe", 0.0, 0.1),  # the API request: the recipe id comes later
        seg("upload.validate", 1.0, 1.5, **recipe()),
        seg("splitter.split", 2.0, 2.2, **recipe()),
        seg("splitter.process_chunk", 2.5, 4.0, **recipe(chunk_index=0)),
        seg("splitter.process_chunk", 2.6, 3.5, **recipe(chunk_index=1)),
        seg("splitter.process_chunk", 4.0, 5.0, **recipe(chunk_index=2)),
        seg("upload.track_status", 4.1, 4.2, **recipe(chunk_index=0)),  # a chunk.processed, not a worker
        seg(
            "merger.coordinate",
            5.5,
            5.6,
            fault=True,
            cause={"working_directory": "/", "exceptions": [{"type": "RuntimeError", "message": "forced failure"}]},
            **recipe(),
        ),
        seg("merger.coordinate", 6.0, 7.0, **recipe()),
        seg("distributor.distribute", 7.5, 8.0, **recipe()),
        seg("splitter.split", 3.0, 3.1, trace=f"1-{int(T0):08x}-{os.urandom(12).hex()}", **recipe("r-other")),
    ]


def test_build_flow_keeps_the_recipes_spans_and_the_api_request_of_its_trace() -> None:
    flow = build_flow("r-1", pipeline())

    assert flow.trace_ids == (TRACE,)
    assert [s.stage for s in flow.spans] == [
        "upload.create_recipe",
        "upload.validate",
        "splitter.split",
        "splitter.process_chunk",
        "splitter.process_chunk",
        "splitter.process_chunk",
        "upload.track_status",
        "merger.coordinate",
        "merger.coordinate",
        "distributor.distribute",
    ]
    assert [s.chunk_index for s in flow.spans if s.function == "process_chunk"] == [0, 1, 2]
    assert flow.total == pytest.approx(8.0)
    [failed] = [s for s in flow.spans if s.failed]
    assert failed.fault and failed.causes == ("RuntimeError: forced failure",)


def test_a_finished_document_replaces_the_in_progress_one_of_the_same_span() -> None:
    running = seg("merger.coordinate", 1.0, None, **recipe())
    done = {**running, "end_time": T0 + 3.0, "in_progress": False}

    [span] = build_flow("r-1", [running, done]).spans
    assert not span.in_progress
    assert span.duration == pytest.approx(2.0)


def test_in_lambda_the_annotated_subsegments_of_the_function_segment_are_the_spans() -> None:
    record = seg("splitter.process_chunk", 1.0, 2.0, **recipe(chunk_index=4))
    record.pop("trace_id")
    function_segment = {
        "id": "aaaaaaaaaaaaaaaa",
        "trace_id": TRACE,
        "name": "circulion-splitter-prod-process_chunk",
        "start_time": T0,
        "end_time": T0 + 2.5,
        "subsegments": [{"id": "bbbbbbbbbbbbbbbb", "name": "Invocation", "start_time": T0, "subsegments": [record]}],
    }

    [span] = build_flow("r-1", [function_segment]).spans
    assert span.chunk_index == 4
    assert span.trace_id == TRACE


def test_parallelism_and_covered_time() -> None:
    flow = build_flow("r-1", pipeline())
    chunks = [s for s in flow.spans if s.function == "process_chunk"]
    assert max_parallelism(chunks) == 2  # chunk 2 starts exactly when chunk 0 ends
    assert covered(chunks) == pytest.approx(2.5)


def test_render_flow_draws_the_waterfall_the_chunk_group_the_budget_and_the_errors() -> None:
    text = render_flow(build_flow("r-1", pipeline()))
    print(text)  # the rendering, for whoever reads a failing test's output

    lines = text.splitlines()
    assert lines[0].startswith("recipe r-1: 10 spans in 1 trace(s)")
    assert "8.000 s from first start to last end" in lines[0]
    assert any("chunk workers: 3 chunks, up to 2 in parallel" in line for line in lines)
    chunk_rows = [line for line in lines if "  chunk " in line and "|" in line]
    assert any(line.split()[2:4] == ["upload", "track_status"] for line in lines)  # not among the workers
    assert [row.split("chunk ")[1].split()[0] for row in chunk_rows] == ["0", "1", "2"]
    order = [
        next(i for i, line in enumerate(lines) if key in line) for key in ("validate", "chunk workers", "coordinate")
    ]
    assert order == sorted(order)
    assert any(line.rstrip().endswith("FAULT") and "coordinate" in line for line in lines)
    budget = text.split("where the time went")[1]
    assert "splitter.process_chunk" in budget and "2.500 s" in budget
    assert "between spans (queues, polling)" in budget
    assert "fault in merger.coordinate at +5.500s" in text
    assert "RuntimeError: forced failure" in text


def test_render_flow_of_a_single_span() -> None:
    text = render_flow(build_flow("r-1", [seg("upload.validate", 0.0, 0.0, **recipe())]))
    assert "upload" in text and "ok" in text


@pytest.fixture
def xray() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client(
            "xray", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
        )


def test_fetch_flow_reads_the_recipe_back_from_the_xray_api(xray: Any) -> None:
    documents = pipeline()
    # More traces than one BatchGetTraces call takes, most of them other recipes'.
    for n in range(7):
        other = f"1-{int(T0):08x}-{os.urandom(12).hex()}"
        documents.append(seg("splitter.split", 0.5 + n, 0.6 + n, trace=other, **recipe(f"r-x{n}")))
    response = xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(d) for d in documents])
    assert response["UnprocessedTraceSegments"] == []

    # In-process moto answers on AWS's own endpoint, yet has no FilterExpression.
    flow = fetch_flow(xray, "r-1", since=datetime.now(UTC) - timedelta(minutes=5), server_filter=False)

    assert [s.id for s in flow.spans] == [s.id for s in build_flow("r-1", documents).spans]
    assert len(flow.spans) == 10
    assert {s.annotations.get("recipe_id") for s in flow.spans} == {"r-1", None}
    assert sum(1 for s in flow.spans if s.function == "process_chunk") == 3


def test_fetch_flow_says_when_nothing_is_annotated_with_the_recipe(xray: Any) -> None:
    xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(seg("upload.validate", 0, 1, **recipe("r-2")))])
    with pytest.raises(TraceUnavailable, match="recipe_id=r-missing"):
        fetch_flow(xray, "r-missing", since=datetime.now(UTC) - timedelta(minutes=5), server_filter=False)


class RealXRay:
    """Answers like X-Ray on AWS: only the traces the filter selects."""

    class meta:  # noqa: N801 - boto3's attribute name
        endpoint_url = "https://xray.eu-west-1.amazonaws.com"

    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self.documents = documents
        self.summary_calls: list[dict[str, Any]] = []

    def get_trace_summaries(self, **kwargs: Any) -> dict[str, Any]:
        self.summary_calls.append(kwargs)
        return {"TraceSummaries": [{"Id": TRACE}]}

    def batch_get_traces(self, TraceIds: list[str]) -> dict[str, Any]:  # noqa: N803 - boto3's parameter name
        assert TraceIds == [TRACE]
        return {"Traces": [{"Id": TRACE, "Segments": [{"Document": json.dumps(d)} for d in self.documents]}]}


def test_on_aws_xray_selects_the_traces_by_annotation() -> None:
    xray = RealXRay([d for d in pipeline() if d["trace_id"] == TRACE])

    flow = fetch_flow(xray, "r-1", since=datetime.now(UTC) - timedelta(minutes=5))

    [call] = xray.summary_calls
    assert call["FilterExpression"] == 'annotation.recipe_id = "r-1"'
    assert len(flow.spans) == 10


def test_span_properties() -> None:
    span = Span(trace_id=TRACE, id="a" * 16, parent_id=None, name="x.y", service="x", function="y", start=1, end=3)
    assert (span.duration, span.stage, span.failed) == (2, "x.y", False)
