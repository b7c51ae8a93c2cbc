"""The chunk worker end to end over byte strings: digests, segments, issues at the right lines."""

from __future__ import annotations

import json
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.planning import plan_chunks
from chalicelib.settings import SplitterSettings
from chalicelib.worker import ChunkResult, process
from circulion.contracts.events import ProcessChunkPayload, ValidationIssue
from circulion.recipes import examples, step_order_issues, with_file_lines
from tests.fakes import World

# Tiny pieces and records so small inputs still cross every boundary (validation skipped
# on purpose: production minimums are about S3 and Lambda, not correctness).
TINY = SplitterSettings.model_construct(
    **{**SplitterSettings(tracing_enabled=False).model_dump(), "read_piece_bytes": 7, "max_record_bytes": 4096}
)


def run(data: bytes, kind: str, chunk: int, cfg: SplitterSettings = TINY) -> list[ChunkResult]:
    message = World().upload("r", data, kind)  # type: ignore[arg-type]
    plan = plan_chunks(len(data), kind, chunk_size=chunk, direct_threshold=0, max_document_bytes=cfg.max_document_bytes)  # type: ignore[arg-type]
    results = []
    for span in plan.spans:
        task = message.payload.model_dump() | {"chunk": span.model_dump(), "total_chunks": plan.total_chunks}
        results.append(process(lambda a, b: data[a:b], ProcessChunkPayload.model_validate(task), cfg))
    return results


def all_issues(results: list[ChunkResult]) -> list[ValidationIssue]:
    issues = [i for r in results for i in r.issues.kept]
    issues = with_file_lines(issues, [r.segment.newline_count for r in results])
    return issues + step_order_issues([r.step_ids for r in results], [r.segment.newline_count for r in results])


def stream(steps: int) -> bytearray:
    return bytearray(b"".join(examples.stream_lines(steps)))


def test_a_valid_stream_has_no_issues_and_counts_every_record() -> None:
    data = bytes(stream(40))
    results = run(data, "stream", 700)
    assert len(results) > 3
    assert all_issues(results) == []
    assert sum(r.record_count for r in results) == 41
    inflated = zlib.decompressobj(-15).decompress(b"".join(r.segment.data for r in results))
    assert inflated == data


def test_bad_records_are_reported_at_their_file_lines() -> None:
    lines = list(examples.stream_lines(30))
    lines[5] = b'{"step_id": 5, "action": "unscrew", "target": "x", "parameters": {"torque_nm": 900}}\n'
    lines[12] = b"not json\r\n"
    lines[20] = examples.line({**examples.step(20), "step_id": 3})  # goes backwards
    lines[27] = "caf\u00e9".encode("latin-1") + b"\n"  # invalid UTF-8
    data = b"".join(lines)
    for chunk in (97, 500, len(data)):
        found = sorted((i.line, i.code) for i in all_issues(run(data, "stream", chunk)))
        assert found == [
            (6, "schema_violation"),
            (13, "invalid_json"),
            (21, "step_id_not_increasing"),
            (28, "invalid_utf8"),
        ], chunk


def test_step_order_breaking_exactly_at_a_chunk_boundary_is_found_by_composition() -> None:
    lines = [examples.line(examples.HEADER), examples.line(examples.step(5)), examples.line(examples.step(4))]
    data = b"".join(lines)
    results = run(data, "stream", len(lines[0]) + len(lines[1]))
    (issue,) = all_issues(results)
    assert (issue.code, issue.line, issue.byte_offset) == ("step_id_not_increasing", 3, len(lines[0]) + len(lines[1]))


def test_limits_in_later_chunks_use_the_header_read_from_the_start() -> None:
    lines = list(examples.stream_lines(20))
    lines[18] = examples.line({"step_id": 18, "action": "remove", "target": "lid", "parameters": {"force_n": 999.0}})
    results = run(b"".join(lines), "stream", 300)
    assert [(i.code, i.line) for i in all_issues(results)] == [("exceeds_safety_limit", 19)]


def test_an_empty_stream_and_a_stream_without_steps() -> None:
    assert [i.code for i in all_issues(run(b"", "stream", 10))] == ["missing_header"]
    assert [i.code for i in all_issues(run(examples.line(examples.HEADER), "stream", 10_000))] == ["no_steps"]


def test_a_huge_line_is_an_issue() -> None:
    data = examples.line(examples.HEADER) + b'{"x": "' + b"a" * 10_000 + b'"}\n' + examples.line(examples.step(1))
    issues = all_issues(run(data, "stream", 3000))
    assert [(i.code, i.line) for i in issues] == [("record_too_long", 2)]


def test_a_document_is_validated_whole() -> None:
    good = json.dumps(examples.document(4), indent=2).encode()
    (result,) = run(good, "document", len(good))
    assert result.issues.count == 0 and result.record_count == 4
    (bad,) = run(good[:-5], "document", len(good))
    assert [i.code for i in bad.issues.kept] == ["invalid_json"]


def test_an_oversized_document_is_processed_but_rejected() -> None:
    data = json.dumps(examples.document(200)).encode()
    cfg = TINY.model_copy(update={"max_document_bytes": 1000})
    results = run(data, "document", 4000, cfg)
    assert len(results) > 1
    assert [i.code for i in all_issues(results)] == ["document_too_large"]
    assert zlib.decompress(b"".join(r.segment.data for r in results), -15) == data


def test_issues_beyond_the_inline_limit_are_counted() -> None:
    data = examples.line(examples.HEADER) + b"x\n" * 120
    cfg = TINY.model_copy(update={"max_issues_per_chunk": 10, "max_report_issues": 100})
    (result,) = run(data, "stream", len(data), cfg)
    assert result.issues.count == 120
    assert len(result.issues.inline) == 10 and len(result.issues.kept) == 100 and result.issues.overflows


def test_an_asset_is_not_parsed() -> None:
    data = bytes(range(256)) * 40
    results = run(data, "asset", 3000)
    assert all(r.record_count == 0 and r.issues.count == 0 for r in results)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=600), chunk=st.integers(1, 200), kind=st.sampled_from(["stream", "document"]))
def test_hostile_bytes_never_crash_the_worker(data: bytes, chunk: int, kind: str) -> None:
    results = run(data, kind, chunk)
    assert zlib.decompress(b"".join(r.segment.data for r in results), -15) == data
