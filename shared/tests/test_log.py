"""JSON log lines and EMF metric documents, read back from captured stdout."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from circulion import log, metrics, tracing


class NullEmitter:
    def send_entity(self, entity: Any) -> None:
        """Documents are not what these tests look at."""

    def set_daemon_address(self, address: str) -> None:
        """Nothing to re-point."""


@pytest.fixture(autouse=True)
def json_logs() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    log.setup("splitter")
    yield
    log.clear()
    root.handlers, root.level = handlers, level


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines()]


def test_every_line_is_one_json_object_with_the_core_fields(capsys: pytest.CaptureFixture[str]) -> None:
    log.get_logger("test").info("chunk %d done", 3)

    [line] = lines(capsys)
    assert set(log.CORE_FIELDS) <= set(line)
    assert line["level"] == "INFO"
    assert line["service"] == "splitter"
    assert line["message"] == "chunk 3 done"
    assert line["function"] is None and line["recipe_id"] is None and line["trace_id"] is None


def test_bound_context_is_on_the_lines_inside_the_block_only(capsys: pytest.CaptureFixture[str]) -> None:
    logger = log.get_logger("test")
    with log.bound(function="process_chunk", recipe_id="r-1", tenant_id="t-1", chunk_index=2):
        logger.warning("inside")
    logger.warning("outside")

    inside, outside = lines(capsys)
    assert (inside["function"], inside["recipe_id"], inside["tenant_id"]) == ("process_chunk", "r-1", "t-1")
    assert inside["chunk_index"] == 2
    assert inside["level"] == "WARNING"
    assert outside["recipe_id"] is None and "chunk_index" not in outside


def test_the_trace_id_is_the_current_spans(capsys: pytest.CaptureFixture[str]) -> None:
    tracing.configure("splitter", emitter=NullEmitter())
    try:
        root = tracing.new_trace_id()
        with tracing.span("splitter.split", trace_header=f"Root={root};Parent=53995c3f42cd8ad8;Sampled=1"):
            log.get_logger("test").info("traced")
    finally:
        tracing.configure("splitter", enabled=False)

    [line] = lines(capsys)
    assert line["trace_id"] == root


def test_extra_fields_are_added_but_cannot_forge_the_core_ones(capsys: pytest.CaptureFixture[str]) -> None:
    log.get_logger("test").info("done", extra=log.fields(bytes=10, level="FAKE", message="forged", recipe_id="r-9"))

    [line] = lines(capsys)
    assert line["bytes"] == 10
    assert line["level"] == "INFO" and line["message"] == "done"
    assert line["recipe_id"] == "r-9"


def test_an_exception_stays_on_its_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        raise KeyError("missing")
    except KeyError:
        log.get_logger("test").exception("failed")

    out = capsys.readouterr().out
    assert out.count("\n") == 1
    line = json.loads(out)
    assert line["level"] == "ERROR"
    assert line["exception_type"] == "KeyError"
    assert "Traceback" in line["exception"]


def test_a_thread_logs_with_the_service_but_not_another_threads_context(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log.bind(recipe_id="r-main")
    thread = threading.Thread(target=lambda: log.get_logger("test").info("from a request thread"))
    thread.start()
    thread.join()

    [line] = lines(capsys)
    assert line["service"] == "splitter"
    assert line["recipe_id"] is None


def test_setup_twice_keeps_one_handler(capsys: pytest.CaptureFixture[str]) -> None:
    log.setup("splitter")
    log.get_logger("test").info("once")
    assert len(lines(capsys)) == 1


# --- EMF ------------------------------------------------------------------------------


def assert_valid_emf(doc: dict[str, Any]) -> None:
    """The structure the EMF specification requires of a document."""
    aws = doc["_aws"]
    assert isinstance(aws["Timestamp"], int) and aws["Timestamp"] > 1_600_000_000_000
    directives = aws["CloudWatchMetrics"]
    assert isinstance(directives, list) and directives
    for directive in directives:
        assert isinstance(directive["Namespace"], str) and 1 <= len(directive["Namespace"]) <= 255
        for dimension_set in directive["Dimensions"]:
            assert 1 <= len(dimension_set) <= 30
            for key in dimension_set:
                assert isinstance(doc[key], str) and doc[key]
        assert 1 <= len(directive["Metrics"]) <= 100
        for metric in directive["Metrics"]:
            assert 1 <= len(metric["Name"]) <= 1024
            assert metric.get("Unit", "None") in metrics.UNITS
            value = doc[metric["Name"]]
            assert isinstance(value, int | float) and not isinstance(value, bool)


def test_emit_writes_one_valid_emf_document(capsys: pytest.CaptureFixture[str]) -> None:
    metrics.emit("splitter", "BytesIn", 8_388_608, "Bytes", function="process_chunk")

    [doc] = lines(capsys)
    assert_valid_emf(doc)
    [directive] = doc["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Circulion"
    assert directive["Dimensions"] == [["function", "service"]]
    assert directive["Metrics"] == [{"Name": "BytesIn", "Unit": "Bytes"}]
    assert doc["BytesIn"] == 8_388_608
    assert (doc["service"], doc["function"]) == ("splitter", "process_chunk")


def test_metrics_carry_the_recipe_as_a_property_not_a_dimension(capsys: pytest.CaptureFixture[str]) -> None:
    with log.bound(recipe_id="r-1", tenant_id="t-1"):
        metrics.emit_many("merger", {"MergeDuration": (812.5, "Milliseconds"), "BytesOut": (1024, "Bytes")})

    [doc] = lines(capsys)
    assert_valid_emf(doc)
    assert doc["recipe_id"] == "r-1" and doc["tenant_id"] == "t-1"
    assert doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]
    assert [m["Name"] for m in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]] == ["MergeDuration", "BytesOut"]


@pytest.mark.parametrize(
    ("name", "value", "unit", "dimensions"),
    [
        ("Chunks", 1, "Chunks", {}),
        ("Chunks", "1", "Count", {}),
        ("Chunks", True, "Count", {}),
        ("function", 1, "Count", {"function": "split"}),
        ("Chunks", 1, "Count", {"kind": ""}),
        ("", 1, "Count", {}),
    ],
)
def test_documents_cloudwatch_would_drop_are_refused(
    name: str, value: Any, unit: Any, dimensions: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError):
        metrics.emit("splitter", name, value, unit, **dimensions)
    assert capsys.readouterr().out == ""
