"""The splitter on the running stack: big recipes split and every chunk processed once.

Objects go under ``incoming/stack-tests/``: ``incoming/`` is the only prefix the chunk
worker's role may read (deploy/permissions.py, enforced by the emulator), and a key of that
shape is no recipe's, so the upload service's validation ignores it (``unexpected_key``):
these tests publish ``recipe.validated`` themselves, as the upload service would, and
watch ``chunk.processed`` on a probe queue (the merger consumes its own copies from its
own queue).
"""

from __future__ import annotations

import hashlib
import uuid

import pytest
from sizes import megabytes
from support import Stack

from circulion.contracts.events import (
    ChunkProcessed,
    ObjectRef,
    RecipeDescription,
    RecipeKind,
    RecipeValidated,
    RecipeValidatedPayload,
)
from circulion.recipes import examples, step_order_issues, with_file_lines
from circulion.settings import RESOURCES

pytestmark = pytest.mark.stack

MiB = 1024 * 1024
CHUNK_SIZE = 8 * MiB  # the splitter's default, which the local stage keeps


def ndjson(size: int, bad: dict[int, bytes] | None = None) -> bytes:
    """A valid stream of about ``size`` bytes, fast: one template formatted per step.

    ``bad`` replaces lines by 1-based line number.
    """
    template = b'{"step_id":%d,"action":"unscrew","target":"screw-%d","parameters":{"torque_nm":2.5,"turns":8.0}}\n'
    lines = [examples.line(examples.HEADER)]
    total = len(lines[0])
    step_id = 0
    while total < size:
        step_id += 1
        lines.append(template % (step_id, step_id))
        total += len(lines[-1])
    for number, replacement in (bad or {}).items():
        lines[number - 1] = replacement
    return b"".join(lines)


def upload(stack: Stack, data: bytes, kind: RecipeKind, content_type: str) -> RecipeValidated:
    recipe_id = f"split-{uuid.uuid4().hex[:12]}"
    key = f"incoming/stack-tests/splitter/{recipe_id}"
    stack.client("s3").put_object(Bucket=RESOURCES.uploads_bucket, Key=key, Body=data, ContentType=content_type)
    return RecipeValidated(
        recipe_id=recipe_id,
        tenant_id="tenant-splitter-tests",
        payload=RecipeValidatedPayload(
            recipe=RecipeDescription(
                name=recipe_id,
                version="1.0.0",
                content_type=content_type,
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            ),
            kind=kind,
            source=ObjectRef(bucket=RESOURCES.uploads_bucket, key=key),
        ),
    )


class ChunkWatch:
    """``chunk.processed`` events on a probe queue, sorted by recipe as they arrive."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack
        self._probe = stack.probe_queue(["chunk.processed"])
        self.events: dict[str, list[ChunkProcessed]] = {}

    def poll(self) -> None:
        for message in self._stack.receive_all(self._probe, 2):
            event = ChunkProcessed.model_validate_json(message["Body"])
            self.events.setdefault(event.recipe_id, []).append(event)

    def wait_for(self, recipe_id: str, total: int, wait_s: float) -> list[ChunkProcessed]:
        """Every chunk of ``recipe_id``, after a grace period for duplicates, by index."""

        def complete() -> bool:
            self.poll()
            return len({e.payload.chunk.index for e in self.events.get(recipe_id, [])}) >= total

        self._stack.wait_until(complete, wait_s, interval=0, message=f"all {total} chunks of {recipe_id} processed")
        self.poll()  # anything a second fan-out or a double processing would add
        return sorted(self.events[recipe_id], key=lambda e: e.payload.chunk.index)


def assert_each_chunk_once(events: list[ChunkProcessed], data: bytes) -> None:
    total = -(-len(data) // CHUNK_SIZE)
    assert [e.payload.chunk.index for e in events] == list(range(total))
    for e in events:
        chunk = data[e.payload.chunk.start : e.payload.chunk.end]
        assert e.payload.sha256 == hashlib.sha256(chunk).hexdigest()
        assert e.payload.total_chunks == total


BIG = megabytes("splitter", quick=40, full=100) * MiB
CHUNK = 8 * MiB  # the local stage's chunk size


def test_a_big_stream_and_a_big_asset_are_split_and_every_chunk_processed_once(stack: Stack) -> None:
    watch = ChunkWatch(stack)
    stream_data = ndjson(BIG)
    asset_data = hashlib.sha256(b"seed").digest() * (BIG // 32) + b"tail"
    stream = upload(stack, stream_data, "stream", "application/x-ndjson")
    asset = upload(stack, asset_data, "asset", "application/octet-stream")
    for message in (stream, asset, stream):  # the duplicate must not fan out again
        stack.publish_event(message)

    stream_events = watch.wait_for(stream.recipe_id, -(-len(stream_data) // CHUNK), 600)
    assert_each_chunk_once(stream_events, stream_data)
    assert sum(e.payload.record_count for e in stream_events) == stream_data.count(b"\n")
    assert all(e.payload.issue_count == 0 for e in stream_events)
    assert step_order_issues([e.payload.step_ids for e in stream_events]) == []

    asset_events = watch.wait_for(asset.recipe_id, -(-len(asset_data) // CHUNK), 600)
    assert_each_chunk_once(asset_events, asset_data)


def test_bad_records_are_reported_at_their_lines(stack: Stack) -> None:
    watch = ChunkWatch(stack)
    data = ndjson(20 * MiB)
    boundary_line = data[: CHUNK_SIZE + 1].count(b"\n") + 1  # a line at the chunk 0/1 boundary
    bad: dict[int, bytes] = {
        3: b'{"step_id":2,"action":"unscrew","target":"x","parameters":{"torque_nm":900}}\n',
        boundary_line: b"{not json}\r\n",
        boundary_line + 1000: b'{"step_id":1,"action":"remove","target":"lid","parameters":{"force_n":5000}}\n',
        boundary_line * 2 + 7: "\u00e9t\u00e9".encode("latin-1") + b"\n",
    }
    data = ndjson(20 * MiB, bad)
    message = upload(stack, data, "stream", "application/x-ndjson")
    stack.publish_event(message)
    events = watch.wait_for(message.recipe_id, 3, 300)
    assert_each_chunk_once(events, data)
    counts = [e.payload.newline_count or 0 for e in events]
    issues = with_file_lines([i for e in events for i in e.payload.issues], counts)
    issues += step_order_issues([e.payload.step_ids for e in events], counts)
    found: dict[int, set[str]] = {}
    for issue in issues:
        assert issue.line is not None
        found.setdefault(issue.line, set()).add(issue.code)
    assert found == {
        3: {"schema_violation"},
        boundary_line: {"invalid_json"},
        boundary_line + 1000: {"exceeds_safety_limit", "step_id_not_increasing"},
        boundary_line * 2 + 7: {"invalid_utf8"},
    }
    for issue in issues:  # the byte offset points into the issue's own line
        assert issue.line is not None and issue.byte_offset is not None
        start = _line_offset(data, issue.line)
        assert start <= issue.byte_offset < data.index(b"\n", start), issue


def _line_offset(data: bytes, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = data.index(b"\n", offset) + 1
    return offset
