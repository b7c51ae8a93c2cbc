"""``circulion validate``'s verdict is the pipeline's: the shared file validator against the
upload's content check, the chunk workers' own :func:`process` chunk by chunk, and the
merger's shared composition.

For generated documents and streams, valid and broken, cut at random chunk sizes, the
verdict and every problem's position (line, byte offset, step id), code and message are
the same; and the positions stay the same when the offline side cuts the file differently
from the pipeline (``circulion validate`` uses the pipeline's own plan, so it need not).
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chalicelib.planning import plan_chunks
from chalicelib.settings import SplitterSettings
from chalicelib.worker import process, validation_limits
from circulion.contracts.events import ProcessChunkPayload, RecipeKind, ValidationIssue
from circulion.recipes import examples
from circulion.recipes.content_sniff import CONTENT_TYPES, ContentSniffer
from circulion.recipes.file_validation import Verdict, validate_file
from circulion.recipes.merge import merge_issues
from circulion.recipes.whole_recipe import whole_recipe_issues
from tests.fakes import World

MAX_RECORD = 1024
CFG = SplitterSettings.model_construct(
    **{
        **SplitterSettings(tracing_enabled=False).model_dump(),
        "read_piece_bytes": 61,
        "max_record_bytes": MAX_RECORD,
        "max_document_bytes": 1500,
        "max_issues_per_chunk": 3,
        "max_report_issues": 7,
    }
)
Position = tuple[str, str, int | None, int | None, int | None]


def pipeline(data: bytes, kind: RecipeKind, chunk_size: int) -> tuple[bool, int, list[Position]]:
    """What the pipeline decides: the upload's content check (the shared sniffer its
    ``check_object`` feeds), then the splitter's workers chunk by chunk and the merger."""
    sniffer = ContentSniffer(CONTENT_TYPES[kind])
    for start in range(0, len(data), 97):
        sniffer.feed(data[start : start + 97])
    refused = sniffer.finish()
    if refused:
        return True, len(refused), positions(refused)
    message = World().upload("r", data, kind)
    plan = plan_chunks(len(data), kind, chunk_size=chunk_size, direct_threshold=0, max_document_bytes=1500)
    results = []
    for span in plan.spans:
        task = message.payload.model_dump() | {"chunk": span.model_dump(), "total_chunks": plan.total_chunks}
        results.append(process(lambda a, b: data[a:b], ProcessChunkPayload.model_validate(task), CFG))
    counts = [r.segment.newline_count for r in results]
    found = sum(r.issues.count for r in results)
    cross = whole_recipe_issues(kind, [r.step_ids for r in results], counts, found)
    merged = merge_issues([(i, r.issues.kept) for i, r in enumerate(results)], cross, counts, CFG.max_report_issues)
    rejected = bool(cross) or any(r.issues.count for r in results)
    return rejected, found + len(cross), positions(merged)


def offline(data: bytes, kind: RecipeKind, chunk_size: int, processes: int) -> Verdict:
    limits = validation_limits(CFG)
    limits = type(limits)(**{**limits.__dict__, "chunk_size_bytes": chunk_size, "direct_threshold_bytes": 0})
    with TemporaryDirectory() as folder:
        path = Path(folder) / "recipe"
        path.write_bytes(data)
        return validate_file(str(path), kind, limits, processes=processes)


def positions(issues: list[ValidationIssue]) -> list[Position]:
    return [(i.code, i.message, i.line, i.byte_offset, i.step_id) for i in issues]


BREAKS = {
    "ok": examples.line,
    "torque": lambda step: examples.line({**step, "action": "unscrew", "parameters": {"torque_nm": 900.0}}),
    "over_limit": lambda step: examples.line({**step, "action": "pick", "parameters": {"grip_force_n": 999.0}}),
    "backwards": lambda step: examples.line({**step, "step_id": max(1, step["step_id"] - 3)}),
    "not_json": lambda step: b'{"step_id": ' + str(step["step_id"]).encode() + b", oops\n",
    "duplicate": lambda step: examples.line(step)[:-2] + b',"target":"again"}\n',
    "nan": lambda step: (
        b'{"step_id":%d,"action":"pick","target":"t","parameters":{"grip_force_n":NaN}}\n' % step["step_id"]
    ),
    "utf8": lambda step: examples.line(step).replace(b"part", b"p\xe9rt"),
    "crlf": lambda step: examples.line(step)[:-1] + b"\r\n",
    "blank": lambda step: b"\n" + examples.line(step),
    "long": lambda step: examples.line({**step, "target": "x" * (MAX_RECORD + 10)}),
    "escaped": lambda step: examples.line({**step, "target": "caf\u00e9 \u2603"}),
}


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    breaks = draw(st.lists(st.sampled_from(sorted(BREAKS)), min_size=0, max_size=40))
    head = draw(st.sampled_from(["ok", "ok", "ok", "ok", "broken", "blank", "none", "bom"]))
    header = {
        "ok": examples.line(examples.HEADER),
        "broken": examples.line({**examples.HEADER, "version": "one"}),
        "blank": b"\n",
        "none": b"",
        "bom": b"\xef\xbb\xbf" + examples.line(examples.HEADER),
    }[head]
    body = b"".join(BREAKS[kind](examples.step(number)) for number, kind in enumerate(breaks, start=1))
    tail = draw(st.sampled_from([b"", b"", b"\n", b'{"step_id": 9999'])) if breaks else b""
    return header + body + tail


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    document = examples.document(draw(st.integers(1, 12)))
    if draw(st.booleans()):
        index = draw(st.integers(0, len(document["steps"]) - 1))
        step = document["steps"][index]
        document["steps"][index] = json.loads(
            BREAKS[draw(st.sampled_from(["torque", "over_limit", "backwards"]))](step)
        )
    text = json.dumps(document, indent=draw(st.sampled_from([None, 2]))).encode()
    broken = draw(st.sampled_from([None, "truncate", "duplicate"]))
    if broken == "truncate":
        text = text[: draw(st.integers(0, len(text) - 1))]
    elif broken == "duplicate":
        text = text.replace(b'"name"', b'"name": "x", "name"', 1)
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(streams().map(lambda d: ("stream", d)), documents().map(lambda d: ("document", d))),
    chunk=st.integers(1, 700),
    processes=st.sampled_from([1, 1, 1, 2]),
)
def test_validate_gives_the_pipelines_verdict_and_positions(
    data: tuple[RecipeKind, bytes], chunk: int, processes: int
) -> None:
    kind, content = data
    rejected, count, found = pipeline(content, kind, chunk)
    verdict = offline(content, kind, chunk, processes)
    event(f"{kind} {'rejected' if rejected else 'valid'}, {'several chunks' if verdict.chunks > 1 else 'one chunk'}")
    event(f"report {'truncated' if count > len(found) else 'complete'}")
    assert (not verdict.valid, verdict.issue_count, positions(verdict.issues)) == (rejected, count, found)


@settings(max_examples=100, deadline=None)
@given(content=streams(), chunk=st.integers(1, 700), other=st.integers(1, 700))
def test_positions_do_not_depend_on_where_the_file_is_cut(content: bytes, chunk: int, other: int) -> None:
    # Even a stream with no step at all: `no_steps` whether one chunk's worker or the
    # merger over several chunks says it (the shared whole_recipe_issues).
    rejected, _, found = pipeline(content, "stream", chunk)
    verdict = offline(content, "stream", other, 1)
    assert verdict.valid != rejected
    # Messages may differ: a too-long record's length is exact only when its chunk reads to its end.
    where = sorted((code, line, offset, step) for code, _, line, offset, step in positions(verdict.issues))
    assert where == sorted((code, line, offset, step) for code, _, line, offset, step in found) or (
        len(found) >= CFG.max_report_issues
    )
