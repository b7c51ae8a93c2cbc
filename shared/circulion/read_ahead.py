"""Reading a byte range in order while the next pieces are already on their way.

A ranged GET spends most of its time waiting on the network (on the emulator, on its
process); a consumer that hashes, validates or compresses each piece can do that while
the next ones arrive. Memory is bounded by ``concurrency`` pieces in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

RangeReader = Callable[[int, int], bytes]
"""``read(start, end)``: the source's bytes ``[start, end)``."""


def read_in_order(
    read: RangeReader, end: int, range_bytes: int, concurrency: int, *, start: int = 0
) -> Iterator[bytes]:
    """Yield ``[start, end)`` in pieces of ``range_bytes``, in order, up to ``concurrency`` ahead.

    Reads run on worker threads: X-Ray records nothing for them (the SDK's context is
    per thread), which the caller's span covers anyway.
    """
    starts = iter(range(start, end, range_bytes))
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        pending: list[Future[bytes]] = []
        for offset in starts:
            pending.append(pool.submit(read, offset, min(offset + range_bytes, end)))
            if len(pending) >= concurrency:
                break
        while pending:
            data = pending.pop(0).result()
            following = next(starts, None)
            if following is not None:
                pending.append(pool.submit(read, following, min(following + range_bytes, end)))
            yield data
