from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from chalicelib.planning import MAX_CHUNKS, ChunkPlan, chunk_tasks, plan_chunks, recipe_split
from chalicelib.settings import MiB
from circulion.contracts.events import ObjectRef
from tests.fakes import World


def plan(size: int, kind: str = "stream", chunk: int = 8 * MiB, direct: int = 5 * MiB, doc: int = 5 * MiB) -> ChunkPlan:
    return plan_chunks(size, kind, chunk_size=chunk, direct_threshold=direct, max_document_bytes=doc)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, 1, 5 * MiB])
def test_small_files_are_one_chunk(size: int) -> None:
    p = plan(size)
    assert [(s.start, s.end) for s in p.spans] == [(0, size)]
    assert p.total_chunks == 1


def test_large_files_are_cut_every_chunk_size() -> None:
    p = plan(20 * MiB + 3)
    assert [(s.index, s.start, s.end) for s in p.spans] == [
        (0, 0, 8 * MiB),
        (1, 8 * MiB, 16 * MiB),
        (2, 16 * MiB, 20 * MiB + 3),
    ]
    assert p.chunk_size == 8 * MiB


def test_a_file_just_over_the_threshold_but_within_a_chunk_is_one_chunk() -> None:
    assert plan(5 * MiB + 1).total_chunks == 1


def test_a_document_within_its_cap_stays_whole_even_above_the_threshold() -> None:
    assert plan(6 * MiB, "document", chunk=5 * MiB, direct=1 * MiB, doc=7 * MiB).total_chunks == 1
    assert plan(6 * MiB, "asset", chunk=5 * MiB, direct=1 * MiB, doc=7 * MiB).total_chunks == 2


@given(size=st.integers(0, 10**12), chunk=st.integers(1, 10**10), direct=st.integers(0, 10**9))
def test_spans_tile_the_file_in_order(size: int, chunk: int, direct: int) -> None:
    assume(size // chunk < 5_000)
    p = plan(size, "asset", chunk=chunk, direct=direct)
    assert p.spans[0].start == 0
    assert p.spans[-1].end == size
    for i, (a, b) in enumerate(zip(p.spans, p.spans[1:], strict=False)):
        assert a.index == i and b.index == i + 1
        assert a.end == b.start
        assert a.end - a.start == p.chunk_size
    assert all(s.end - s.start <= max(p.chunk_size, size) for s in p.spans)


@pytest.mark.parametrize("chunk", [5 * MiB, 8 * MiB])
def test_the_largest_upload_never_needs_more_parts_than_s3_takes(chunk: int) -> None:
    """50 GiB (the upload limit) at 5 MiB chunks was 10,240 segments: a merge that had to fail
    with TooManyParts after every chunk was processed. Now at most 4,999 chunks of whole MiB."""
    size = 50 * 1024 * MiB
    p = plan(size, "asset", chunk=chunk)
    assert p.total_chunks <= MAX_CHUNKS
    assert 2 * p.total_chunks + 2 <= 10_000  # two parts per segment at most, plus head and tail
    assert p.chunk_size == 11 * MiB and p.chunk_size >= chunk
    assert p.spans[-1].end == size


def test_files_within_the_chunk_bound_keep_the_configured_chunk_size() -> None:
    assert plan(MAX_CHUNKS * 8 * MiB, "asset").chunk_size == 8 * MiB
    assert plan(MAX_CHUNKS * 8 * MiB + 1, "asset").chunk_size == 9 * MiB


def test_tasks_carry_the_recipe_and_their_span() -> None:
    world = World()
    message = world.upload("r-1", b"x" * 100, "asset")
    p = plan(100, "asset", chunk=30, direct=10)
    tasks = chunk_tasks(message, p)
    assert [t.payload.chunk for t in tasks] == list(p.spans)
    assert {t.payload.total_chunks for t in tasks} == {4}
    assert all(t.recipe_id == "r-1" and t.payload.source == message.payload.source for t in tasks)
    event = recipe_split(message, p, ObjectRef(bucket="b", key="plans/r-1.json"))
    assert event.payload.total_chunks == 4 and event.payload.chunk_size == 30
