"""Reading ahead yields exactly the range, in order, with a bounded window."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from circulion.read_ahead import read_in_order


@given(
    data=st.binary(max_size=200),
    range_bytes=st.integers(1, 17),
    concurrency=st.integers(1, 5),
    start=st.integers(0, 50),
)
def test_yields_the_range_in_order(data: bytes, range_bytes: int, concurrency: int, start: int) -> None:
    pieces = list(read_in_order(lambda s, e: data[s:e], len(data), range_bytes, concurrency, start=start))
    assert b"".join(pieces) == data[start:]
    assert all(0 < len(piece) <= range_bytes for piece in pieces)


def test_keeps_a_bounded_window() -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()
    release = threading.Event()

    def read(start: int, end: int) -> bytes:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        release.wait(0.001)
        with lock:
            in_flight -= 1
        return b"x" * (end - start)

    assert sum(len(c) for c in read_in_order(read, 1000, 10, 3)) == 1000
    assert peak <= 3


def test_a_failed_read_reaches_the_consumer() -> None:
    def read(start: int, end: int) -> bytes:
        if start >= 20:
            raise OSError("gone")
        return b"x" * (end - start)

    pieces = read_in_order(read, 100, 10, 2)
    assert next(pieces) == b"x" * 10
    assert next(pieces) == b"x" * 10
    try:
        next(pieces)
    except OSError as exc:
        assert str(exc) == "gone"
    else:
        raise AssertionError("the failed read was swallowed")
