"""Record ownership: every record is owned by exactly one chunk, whole and uncut."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.scanning import Record, RecordScanner

LINE_TEXT = st.text(alphabet=st.sampled_from(list('ab{}":,1 éß€𝄞\r')), max_size=12)


def scan(data: bytes, start: int, end: int, pieces: list[int], limit: int = 10_000) -> list[Record]:
    """Drive a scanner the way the worker does, with arbitrary piece sizes."""
    scanner = RecordScanner(start, end, limit)
    records: list[Record] = []
    sizes = iter(pieces)
    while not scanner.done and scanner.position < len(data):
        pos = scanner.position
        records += scanner.feed(data[pos : pos + next(sizes, 3)])
    records += scanner.finish(at_eof=scanner.position >= len(data))
    return records


def record_starts(data: bytes) -> list[int]:
    starts = [0] + [i + 1 for i, b in enumerate(data) if b == 0x0A]
    return [s for s in starts if s < len(data)]


@settings(max_examples=300)
@given(
    lines=st.lists(LINE_TEXT, max_size=20),
    trailing=st.booleans(),
    chunk=st.integers(1, 40),
    pieces=st.lists(st.integers(1, 9), min_size=1, max_size=50),
)
def test_every_record_is_owned_by_exactly_one_chunk(
    lines: list[str], trailing: bool, chunk: int, pieces: list[int]
) -> None:
    data = "\n".join(lines).encode() + (b"\n" if trailing and lines else b"")
    owned: list[Record] = []
    for start in range(0, max(len(data), 1), chunk):
        end = min(start + chunk, len(data))
        got = scan(data, start, end, pieces)
        assert all(start <= r.offset < end for r in got)
        # chunk lines count from the chunk's first byte
        for r in got:
            assert r.chunk_line == 1 + data[start : r.offset].count(b"\n")
        owned += got
    assert [r.offset for r in owned] == record_starts(data)
    for r in owned:
        line_end = data.find(b"\n", r.offset)
        whole = data[r.offset :] if line_end == -1 else data[r.offset : line_end]
        assert r.data == whole and r.length == len(whole)
        whole.decode()  # never a cut multibyte character


def test_a_chunk_starting_exactly_at_a_record_owns_it() -> None:
    data = b"aaa\nbbb\nccc"
    assert [r.data for r in scan(data, 4, 8, [100])] == [b"bbb"]
    assert [r.data for r in scan(data, 5, 8, [100])] == []
    assert [r.data for r in scan(data, 3, 8, [100])] == [b"bbb"]  # the newline itself is not a record start


def test_the_last_record_is_finished_past_the_end() -> None:
    data = b"h\nstep-one-is-long\nz"
    assert [r.data for r in scan(data, 0, 3, [1])] == [b"h", b"step-one-is-long"]


def test_crlf_leaves_the_carriage_return_in_the_record() -> None:
    assert [r.data for r in scan(b"a\r\nb\r\n", 0, 6, [2])] == [b"a\r", b"b\r"]


def test_a_record_beyond_the_limit_is_kept_truncated_and_flagged() -> None:
    data = b"x" * 50 + b"\nok\n"
    records = scan(data, 0, len(data), [7], limit=10)
    assert [(r.length, len(r.data), r.too_long(10)) for r in records] == [(50, 11, True), (2, 2, False)]


def test_a_record_whose_end_is_beyond_the_read_ahead_bound_is_too_long() -> None:
    scanner = RecordScanner(0, 4, 10)
    records = scanner.feed(b"abcdefghijklmnop")  # caller stopped at end + limit + 1 without a newline
    records += scanner.finish(at_eof=False)
    assert len(records) == 1 and records[0].too_long(10)
