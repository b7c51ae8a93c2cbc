"""ZIP archives built from real deflate segments: zipfile and Info-ZIP accept them."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.archive import ArchiveFacts, InconsistentChunks, build_layout, entry_file_name
from chalicelib.assembly import write_archive
from chalicelib.crc import crc32_combine
from chalicelib.parts import plan_parts
from circulion.contracts.events import ObjectRef, RecipeDescription, RecipeSplitPayload
from circulion.testing import InMemoryObjectStore
from tests.scenario import extracted, make_recipe

WHEN = datetime(2026, 3, 4, 5, 6, 8, tzinfo=UTC)


def build(
    data: bytes, chunk_size: int, *, zip64_threshold: int = 0xFFFFFFFF, min_part: int = 64
) -> tuple[bytes, object]:
    store = InMemoryObjectStore()
    recipe = make_recipe(store, data, chunk_size)
    facts = ArchiveFacts(recipe.recipe_id, recipe.tenant_id, recipe.split.payload, "1", WHEN, WHEN)
    layout = build_layout(facts, [c.payload for c in recipe.chunks], zip64_threshold=zip64_threshold)
    written = write_archive(store, layout, "circulion-artifacts", "a.zip", min_part=min_part)
    blob = store.get_bytes("circulion-artifacts", "a.zip")
    assert len(blob) == written.size == layout.size
    assert hashlib.sha256(blob).hexdigest() == written.sha256
    return blob, written


def unzip_accepts(blob: bytes, tmp_path: Path) -> None:
    if shutil.which("unzip") is None:
        pytest.skip("Info-ZIP unzip is not installed (make setup installs it)")
    path = tmp_path / "archive.zip"
    path.write_bytes(blob)
    result = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


CHUNK = 1000
CASES = {
    "one byte": (b"\x00", CHUNK),
    "empty": (b"", CHUNK),
    "exactly one chunk": (random.Random(1).randbytes(CHUNK), CHUNK),
    "chunk size - 1": (random.Random(2).randbytes(CHUNK - 1), CHUNK),
    "chunk size + 1": (random.Random(3).randbytes(CHUNK + 1), CHUNK),
    "many chunks, compressible": (b"step,unscrew,M4\n" * 2000, CHUNK),
}


@pytest.mark.parametrize("zip64", [False, True], ids=["zip32", "zip64-forced"])
@pytest.mark.parametrize("case", list(CASES))
def test_archive_holds_the_upload_byte_for_byte(case: str, zip64: bool, tmp_path: Path) -> None:
    data, chunk_size = CASES[case]
    blob, _ = build(data, chunk_size, zip64_threshold=1 if zip64 else 0xFFFFFFFF)
    zf, content = extracted(blob)
    assert zf.testzip() is None
    assert content == data
    assert (zf.infolist()[0].file_size >= 0xFFFFFFFF or b"\x01\x00" in blob) if zip64 else True
    unzip_accepts(blob, tmp_path)


def test_manifest_describes_the_chunks() -> None:
    data = random.Random(4).randbytes(2500)
    blob, _ = build(data, 1000)
    zf, _ = extracted(blob)
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["file"]["size_bytes"] == 2500
    assert manifest["file"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["file"]["crc32"] == zlib.crc32(data)
    assert [(c["offset"], c["size"]) for c in manifest["chunks"]] == [(0, 1000), (1000, 1000), (2000, 500)]
    assert manifest["times"]["merge_started_at"] == WHEN.isoformat()


def test_a_rebuild_writes_the_same_bytes() -> None:
    store = InMemoryObjectStore()
    recipe = make_recipe(store, b"same input, same archive\n" * 300, 700)
    facts = ArchiveFacts(recipe.recipe_id, recipe.tenant_id, recipe.split.payload, "1", WHEN, WHEN)
    chunks = [c.payload for c in recipe.chunks]
    first = write_archive(store, build_layout(facts, chunks), "circulion-artifacts", "a.zip", min_part=64)
    again = write_archive(store, build_layout(facts, chunks), "circulion-artifacts", "a.zip", min_part=64)
    assert (first.sha256, first.size) == (again.sha256, again.size)


def test_segment_runs_of_a_part_size_are_copied_server_side() -> None:
    data = random.Random(5).randbytes(4000)  # incompressible: segments of ~1000 bytes
    blob, written = build(data, 1000, min_part=500)
    assert written.copied_parts >= 3  # type: ignore[attr-defined]
    assert extracted(blob)[1] == data


def test_chunks_that_do_not_tile_the_file_are_refused() -> None:
    store = InMemoryObjectStore()
    recipe = make_recipe(store, b"x" * 30, 10)
    facts = ArchiveFacts(recipe.recipe_id, recipe.tenant_id, recipe.split.payload, "1", WHEN, WHEN)
    with pytest.raises(InconsistentChunks):
        build_layout(facts, [recipe.chunks[0].payload, recipe.chunks[2].payload])


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_crc32_combine_matches_zlib(a: bytes, b: bytes) -> None:
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


@given(
    head=st.integers(1, 200),
    segments=st.lists(st.integers(0, 3000), max_size=12),
    tail=st.integers(1, 500),
    min_part=st.integers(100, 1000),
)
def test_every_part_but_the_last_is_big_enough_and_parts_tile_the_archive(
    head: int, segments: list[int], tail: int, min_part: int
) -> None:
    parts = plan_parts(head, segments, tail, min_part=min_part)
    assert all(p.size >= min_part for p in parts[:-1])
    assert [p.number for p in parts] == list(range(1, len(parts) + 1))
    spans = [s for p in parts for s in p.spans]
    assert sum(s.size for s in spans) == head + sum(segments) + tail
    assert all(len(p.spans) == 1 and isinstance(p.spans[0].source, int) for p in parts if p.copy)
    # In order: head, then each segment's bytes contiguous, then the tail.
    expected = [("head", head)] + [(i, n) for i, n in enumerate(segments) if n] + [("tail", tail)]
    merged: list[tuple[object, int]] = []
    position = 0
    for s in spans:
        if merged and merged[-1][0] == s.source:
            assert s.start == position
            merged[-1] = (s.source, merged[-1][1] + s.size)
        else:
            assert s.start == 0
            merged.append((s.source, s.size))
        position = s.end
    assert merged == expected


@pytest.mark.parametrize(
    ("file_name", "entry"),
    [("bad.recipe", "bad.recipe"), ("arm run.ndjson", "arm_run.ndjson"), (None, "arm.ndjson"), ("..", "arm.ndjson")],
)
def test_the_file_inside_keeps_the_uploaded_files_name(file_name: str | None, entry: str) -> None:
    plan = RecipeSplitPayload(
        recipe=RecipeDescription(
            name="arm",
            version="1.0.0",
            content_type="application/x-ndjson",
            size_bytes=1,
            sha256="0" * 64,
            file_name=file_name,
        ),
        kind="stream",
        source=ObjectRef(bucket="b", key="k"),
        total_chunks=1,
        chunk_size=1,
    )
    assert entry_file_name(plan) == entry
