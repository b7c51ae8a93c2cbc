"""Segments concatenate into one deflate stream; digests are per chunk."""

from __future__ import annotations

import hashlib
import random
import zlib
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import segments as segments_module
from chalicelib.segments import Segment, SegmentBuilder


def segments(data: bytes, chunk: int, piece: int) -> list[Segment]:
    spans = [(s, min(s + chunk, len(data))) for s in range(0, len(data), chunk)] or [(0, 0)]
    out = []
    for i, (start, end) in enumerate(spans):
        builder = SegmentBuilder(level=6, last=i == len(spans) - 1)
        for p in range(start, end, piece):
            builder.update(data[p : min(p + piece, end)])
        out.append(builder.finish())
    return out


@settings(max_examples=200)
@given(
    data=st.one_of(st.binary(max_size=5000), st.text(max_size=2000).map(str.encode)),
    chunk=st.integers(1, 3000),
    piece=st.integers(1, 700),
)
def test_concatenated_segments_inflate_to_the_input(data: bytes, chunk: int, piece: int) -> None:
    _check_segments(data, chunk, piece)


def _check_segments(data: bytes, chunk: int, piece: int) -> None:
    segs = segments(data, chunk, piece)
    inflater = zlib.decompressobj(-15)
    assert inflater.decompress(b"".join(s.data for s in segs)) == data
    assert inflater.eof  # the last segment finished the stream
    offset = 0
    for s in segs:
        exact = data[offset : offset + s.length]
        assert s.sha256 == hashlib.sha256(exact).hexdigest()
        assert s.crc32 == zlib.crc32(exact)
        assert s.newline_count == exact.count(b"\n")
        offset += s.length
    assert offset == len(data)


def test_an_empty_file_is_one_valid_empty_stream() -> None:
    (seg,) = segments(b"", 10, 10)
    assert zlib.decompress(seg.data, -15) == b""
    assert seg.crc32 == 0


def test_a_middle_segment_is_byte_aligned_and_not_final() -> None:
    builder = SegmentBuilder(level=9, last=False)
    builder.update(b"abc" * 1000)
    seg = builder.finish()
    assert seg.data.endswith(b"\x00\x00\xff\xff")  # the empty stored block of a full flush
    inflater = zlib.decompressobj(-15)
    assert inflater.decompress(seg.data) == b"abc" * 1000
    assert not inflater.eof


def test_incompressible_pieces_are_stored_and_the_rest_deflated() -> None:
    noise = [random.Random(seed).randbytes(64 * 1024) for seed in range(2)]
    text = b'{"step_id":1,"action":"pick"}\n' * 2200
    pieces = [noise[0], text, noise[1], text]
    builder = SegmentBuilder(level=6, last=True)
    for piece in pieces:
        builder.update(piece)
    seg = builder.finish()
    assert zlib.decompress(seg.data, -15) == b"".join(pieces)
    stored_overhead = 5 * 4  # a stored block header per 16-64 KiB, and the flushes between levels
    deflated_text = len(zlib.compress(text, 6))
    assert len(seg.data) <= 2 * 64 * 1024 + stored_overhead + 2 * deflated_text + 64
    assert seg.crc32 == zlib.crc32(b"".join(pieces))


@settings(max_examples=100)
@given(
    data=st.lists(st.one_of(st.binary(min_size=1, max_size=64), st.just(b"ab" * 40)), max_size=40).map(b"".join),
    chunk=st.integers(1, 900),
    piece=st.integers(1, 200),
)
def test_switching_between_stored_and_deflated_keeps_one_stream(data: bytes, chunk: int, piece: int) -> None:
    with mock.patch.object(segments_module, "SAMPLE_BYTES", 16):  # small inputs switch levels often
        _check_segments(data, chunk, piece)
