"""circulion.tracing against the real X-Ray SDK, with an emitter that keeps the documents.

Every assertion is on the JSON documents the SDK would send to the daemon, i.e. what X-Ray
(or the emulator) stores.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from circulion import tracing
from circulion.errors import PermanentError
from circulion.testing.tracing import CapturingEmitter

TRACE_ID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")
ENTITY_ID = re.compile(r"^[0-9a-f]{16}$")


@pytest.fixture
def sent() -> Iterator[list[dict[str, Any]]]:
    emitter = CapturingEmitter()
    tracing.configure("splitter", emitter=emitter)
    yield emitter.documents
    tracing.configure("splitter", enabled=False)


def test_a_span_without_a_header_starts_a_new_trace_with_its_annotations(sent: list[dict[str, Any]]) -> None:
    with tracing.span(
        "splitter.process_chunk",
        annotations={"recipe_id": "r-1", "tenant_id": "t-1", "chunk_index": 3, "skipped": None},
    ):
        pass

    [doc] = sent
    assert doc["name"] == "splitter.process_chunk"
    assert TRACE_ID.match(doc["trace_id"])
    assert ENTITY_ID.match(doc["id"])
    assert "parent_id" not in doc
    assert doc["end_time"] >= doc["start_time"]
    assert doc["in_progress"] is False
    assert doc["annotations"] == {
        "service": "splitter",
        "function": "process_chunk",
        "recipe_id": "r-1",
        "tenant_id": "t-1",
        "chunk_index": 3,
    }


def test_a_span_joins_the_incoming_trace_as_a_child_of_the_sender(sent: list[dict[str, Any]]) -> None:
    root = tracing.new_trace_id()
    with tracing.span("splitter.split", trace_header=f"Root={root};Parent=53995c3f42cd8ad8;Sampled=1"):
        header = tracing.outgoing_trace_header()
        trace_id = tracing.current_trace_id()

    [doc] = sent
    assert doc["trace_id"] == root == trace_id
    assert doc["parent_id"] == "53995c3f42cd8ad8"
    assert header == f"Root={root};Parent={doc['id']};Sampled=1"


def test_two_hops_form_one_trace_linked_parent_to_child(sent: list[dict[str, Any]]) -> None:
    with tracing.span("upload.create_recipe"):
        header = tracing.outgoing_trace_header()
    with tracing.span("splitter.split", trace_header=header):
        pass

    first, second = sent
    assert second["trace_id"] == first["trace_id"]
    assert second["parent_id"] == first["id"]


@pytest.mark.parametrize(
    "header",
    ["Root=garbage;Parent=53995c3f42cd8ad8", "Parent=53995c3f42cd8ad8", "", None],
)
def test_an_unusable_header_starts_a_fresh_valid_trace(sent: list[dict[str, Any]], header: str | None) -> None:
    with tracing.span("upload.validate", trace_header=header):
        pass

    [doc] = sent
    assert TRACE_ID.match(doc["trace_id"])
    assert "parent_id" not in doc


def test_a_malformed_parent_is_dropped_but_the_trace_is_kept(sent: list[dict[str, Any]]) -> None:
    root = tracing.new_trace_id()
    with tracing.span("merger.coordinate", trace_header=f"Root={root};Parent=nothex;Sampled=1"):
        pass

    [doc] = sent
    assert doc["trace_id"] == root
    assert "parent_id" not in doc


def test_an_unexpected_exception_is_a_fault_with_its_cause(sent: list[dict[str, Any]]) -> None:
    with pytest.raises(RuntimeError), tracing.span("merger.coordinate"):
        raise RuntimeError("ledger unavailable")

    [doc] = sent
    assert doc["fault"] is True
    assert "error" not in doc
    [exception] = doc["cause"]["exceptions"]
    assert exception["message"] == "ledger unavailable"
    assert exception["type"] == "RuntimeError"


def test_a_permanent_error_is_an_error_not_a_fault(sent: list[dict[str, Any]]) -> None:
    with pytest.raises(PermanentError), tracing.span("splitter.split"):
        raise PermanentError("plan does not fit", code="bad_plan")

    [doc] = sent
    assert doc["error"] is True
    assert doc.get("fault") is not True
    assert doc["cause"]["exceptions"][0]["message"] == "plan does not fit"


def test_boto3_calls_inside_a_span_are_subsegments(sent: list[dict[str, Any]]) -> None:
    s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(s3) as stub, tracing.span("splitter.process_chunk"):
        stub.add_response("head_object", {"ContentLength": 5}, {"Bucket": "circulion-work", "Key": "k"})
        s3.head_object(Bucket="circulion-work", Key="k")

    [doc] = sent
    [call] = doc["subsegments"]
    assert call["namespace"] == "aws"
    assert call["name"] == "s3"
    assert call["aws"]["operation"] == "HeadObject"


def test_boto3_calls_outside_a_span_are_not_traced_and_do_not_fail(sent: list[dict[str, Any]]) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(sqs) as stub:
        stub.add_response("get_queue_url", {"QueueUrl": "http://q"}, {"QueueName": "q"})
        assert sqs.get_queue_url(QueueName="q")["QueueUrl"] == "http://q"
    assert sent == []


def test_subspans_and_nested_spans_are_subsegments_of_the_open_segment(sent: list[dict[str, Any]]) -> None:
    with tracing.span("upload.create_recipe", annotations={"recipe_id": "r-1"}):
        with tracing.subspan("presign", parts=3):
            pass
        with tracing.span("upload.store_record", annotations={"recipe_id": "r-1"}):
            tracing.annotate(tenant_id="t-9")

    [doc] = sent
    presign, store = doc["subsegments"]
    assert presign["name"] == "presign"
    assert presign["annotations"] == {"parts": 3}
    assert store["annotations"]["tenant_id"] == "t-9"
    assert store["annotations"]["function"] == "store_record"


def test_annotate_adds_to_the_current_span(sent: list[dict[str, Any]]) -> None:
    with tracing.span("upload.validate"):
        tracing.annotate(recipe_id="r-7", tenant_id=None)

    [doc] = sent
    assert doc["annotations"]["recipe_id"] == "r-7"
    assert "tenant_id" not in doc["annotations"]


def test_outside_any_span_everything_is_a_quiet_no_op(sent: list[dict[str, Any]]) -> None:
    tracing.annotate(recipe_id="r-1")
    with tracing.subspan("step"):
        pass
    assert tracing.current_trace_id() is None
    assert tracing.outgoing_trace_header() is None
    assert sent == []


def test_disabled_tracing_sends_nothing() -> None:
    emitter = CapturingEmitter()
    tracing.configure("splitter", emitter=emitter)
    tracing.configure("splitter", enabled=False)
    with tracing.span("splitter.split", annotations={"recipe_id": "r"}):
        assert tracing.current_trace_id() is None
        assert tracing.outgoing_trace_header() is None
    assert emitter.documents == []


def test_parse_header_round_trips() -> None:
    root = tracing.new_trace_id()
    context = tracing.parse_header(f"Root={root};Parent=53995c3f42cd8ad8;Sampled=1")
    assert context == tracing.TraceContext(root=root, parent="53995c3f42cd8ad8", sampled=True)
    assert tracing.parse_header(context.header()) == context


_LAMBDA_SCRIPT = textwrap.dedent(
    """
    import json
    from circulion import tracing

    docs = []

    class Emitter:
        def send_entity(self, entity):
            docs.append(json.loads(entity.serialize()))

        def set_daemon_address(self, address):
            pass

    tracing.configure("splitter", emitter=Emitter())
    tracing.annotate(recipe_id="ignored-on-the-facade")
    incoming = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    with tracing.span("splitter.process_chunk", trace_header=incoming, annotations={"recipe_id": "r-1"}):
        header = tracing.outgoing_trace_header()
    print(json.dumps({"docs": docs, "header": header}))
    """
)


def test_in_lambda_each_record_is_a_subsegment_of_the_function_segment_linked_to_the_message() -> None:
    lambda_trace = "1-6759e988-0123456789abcdef01234567"
    env = {
        **os.environ,
        "LAMBDA_TASK_ROOT": "/var/task",
        "AWS_LAMBDA_FUNCTION_NAME": "circulion-splitter-prod-process_chunk",
        "_X_AMZN_TRACE_ID": f"Root={lambda_trace};Parent=1111111111111111;Sampled=1",
    }
    # The SDK picks its Lambda context when imported, hence a fresh interpreter.
    out = subprocess.run(
        [sys.executable, "-c", _LAMBDA_SCRIPT], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])

    [doc] = result["docs"]
    assert doc["type"] == "subsegment"
    assert doc["trace_id"] == lambda_trace
    assert doc["parent_id"] == "1111111111111111"
    assert doc["annotations"]["recipe_id"] == "r-1"
    assert doc["metadata"]["circulion"]["link"].startswith("Root=1-5759e988-bd862e3fe1be46a994272793")
    assert result["header"] == f"Root={lambda_trace};Parent={doc['id']};Sampled=1"
