"""One upload, one flow in X-Ray (issue 7, "Done when"), on the running local stack.

A multi-chunk recipe goes through the whole pipeline while the distributor's test-only
fault switch throttles its first invalidation once (``services/distributor/README.md``);
then the X-Ray API — read the way ``circulion trace`` reads it — must show segments from
upload, split, every chunk worker, merger and distributor, all found from the recipe id
with the right annotations, in one trace whose parent links resolve, the forced failure as
a fault on the distributor's segment and nowhere else, and ``render_flow`` must draw it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from api import UploadApi
from support import Stack

from circulion.recipes import examples
from circulion.settings import RESOURCES
from circulion_cli.errors import TraceUnavailable
from circulion_cli.render import render_flow
from circulion_cli.trace import Flow, Span, fetch_flow

pytestmark = pytest.mark.stack

MIB = 1024 * 1024
RECIPE_BYTES = 17 * MIB  # three chunks of the local stage's 8 MiB
PIPELINE_TIMEOUT_S = 300
ANNOTATED_STAGES = ("upload.validate", "splitter.split", "merger.coordinate", "distributor.distribute")


def recipe_stream(size: int) -> bytes:
    """A valid NDJSON recipe of about ``size`` bytes (valid, so it gets all the way through)."""
    steps = size // len(examples.line(examples.step(1)))
    return b"".join(examples.stream_lines(steps))


def arm_cdn_throttle(stack: Stack, times: int) -> None:
    stack.client("dynamodb").put_item(
        TableName=RESOURCES.distribution_table,
        Item={"pk": {"S": "fault#cdn-throttle"}, "sk": {"S": "budget"}, "remaining": {"N": str(times)}},
    )


def complete_flow(xray: Any, recipe_id: str, since: datetime, chunks: int) -> Flow | None:
    """The flow once every stage's segment reached X-Ray (the daemon forwards asynchronously)."""
    try:
        flow = fetch_flow(xray, recipe_id, since)
    except TraceUnavailable:
        return None
    stages = {s.stage for s in flow.spans if not s.failed}
    indexes = {s.chunk_index for s in flow.spans if s.function == "process_chunk"}
    if set(ANNOTATED_STAGES) <= stages and indexes >= set(range(chunks)):
        return flow
    return None


def entity_ids(xray: Any, trace_ids: tuple[str, ...]) -> set[str]:
    """Every segment and subsegment id of the traces, as BatchGetTraces returns them."""
    ids: set[str] = set()

    def walk(entity: dict[str, Any]) -> None:
        ids.add(entity["id"])
        for child in entity.get("subsegments", []):
            walk(child)

    for trace in xray.batch_get_traces(TraceIds=list(trace_ids))["Traces"]:
        for segment in trace["Segments"]:
            walk(json.loads(segment["Document"]))
    return ids


def test_one_upload_is_one_traced_flow_with_the_forced_failure_on_the_distributor(stack: Stack) -> None:
    xray = stack.client("xray")
    tenant = f"trace-{uuid.uuid4().hex[:8]}"
    api = UploadApi.for_tenant(stack.ports, tenant)
    since = datetime.now(UTC) - timedelta(minutes=1)
    # The upload API configures tracing when it first builds its dependencies, which happens
    # after the first request's span would have started: warm it up so the create request
    # is traced (an API cold start loses the trace of its first request; see the report).
    api.request("GET", "/recipes")
    arm_cdn_throttle(stack, times=1)

    data = recipe_stream(RECIPE_BYTES)
    recipe_id = api.upload_recipe(f"traced-{uuid.uuid4().hex[:6]}", data, "application/x-ndjson")
    recipe = api.wait_for_status(recipe_id, {"DISTRIBUTED"}, timeout=PIPELINE_TIMEOUT_S, fail=pytest.fail)
    chunks = recipe["progress"]["chunks_total"]
    assert chunks >= 3

    flow: Flow = stack.wait_until(
        lambda: complete_flow(xray, recipe_id, since, chunks),
        timeout=60,
        message=f"segments of every stage of {recipe_id} in X-Ray",
    )
    text = render_flow(flow)
    print(text)

    # Every hop carried the trace: one trace, started by the API request that created the recipe.
    assert len(flow.trace_ids) == 1, flow.trace_ids
    assert flow.spans[0].stage == "upload.api"
    unresolved = [s for s in flow.spans if s.parent_id and s.parent_id not in entity_ids(xray, flow.trace_ids)]
    assert unresolved == []

    annotated = [s for s in flow.spans if s.stage != "upload.api"]
    for span in annotated:
        assert span.annotations["recipe_id"] == recipe_id, span
        assert span.annotations["tenant_id"] == tenant, span
        assert span.annotations["service"] == span.service and span.annotations["function"] == span.function
    workers = [s for s in annotated if s.function == "process_chunk"]
    assert {s.chunk_index for s in workers} == set(range(chunks))
    assert all(isinstance(s.annotations.get("chunk_index"), int) for s in workers)

    throttled: list[Span] = [s for s in flow.spans if any("TooManyInvalidationsInProgress" in c for c in s.causes)]
    assert throttled, f"the throttled invalidation left no failed segment: {[s for s in flow.spans if s.failed]}"
    assert {s.stage for s in throttled} == {"distributor.distribute"}
    assert all(s.fault for s in throttled)  # a transient dependency failure, not bad input
    failed = throttled
    # ...and a later attempt succeeded on the same recipe.
    assert any(s.stage == "distributor.distribute" and not s.failed and s.start > failed[0].start for s in flow.spans)

    assert f"chunk workers: {len(workers)} chunks" in text
    assert "fault in distributor.distribute" in text
    assert "TooManyInvalidationsInProgress" in text
