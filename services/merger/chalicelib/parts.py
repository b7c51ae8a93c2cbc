"""Planning the multipart upload that assembles an archive (pure).

The archive is ``head + segment 0 + ... + segment n-1 + tail``: the recipe entry's local
header, its compressed bytes (the chunk segments, already in the work bucket) and the
manifest entry plus the central directory. S3 requires every part but the last to be at
least 5 MiB, and a part is either uploaded bytes or a server-side copy of a range of ONE
object. So: a run of segment bytes of at least ``min_part`` is copied (``UploadPartCopy``,
no bytes through the merger); anything smaller is coalesced in memory with its neighbours
until the part reaches ``min_part``. The head is too small to stand alone, so the first
part is the head plus the first bytes of segment 0; the tail always ends the last part.
The bytes held in memory at once are bounded by one part (< 2 x ``min_part``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from circulion.s3_limits import S3_MAX_PART_BYTES, S3_MAX_PARTS, S3_MIN_PART_BYTES

Source = Literal["head", "tail"] | int
"""Where bytes come from: the in-memory head or tail, or a segment by chunk index."""


@dataclass(frozen=True)
class Span:
    """Bytes ``[start, end)`` of one source."""

    source: Source
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Part:
    """One part of the multipart upload: a server-side copy, or bytes we upload."""

    number: int
    copy: bool
    spans: tuple[Span, ...]

    @property
    def size(self) -> int:
        return sum(s.size for s in self.spans)


class TooManyParts(ValueError):
    """The archive would need more than S3's 10,000 parts."""


def plan_parts(
    head_size: int,
    segment_sizes: Sequence[int],
    tail_size: int,
    *,
    min_part: int = S3_MIN_PART_BYTES,
    max_part: int = S3_MAX_PART_BYTES,
) -> list[Part]:
    """Cut the archive into parts that S3 accepts, copying every run it can.

    Parameters
    ----------
    head_size, tail_size
        Bytes of the in-memory head and tail.
    segment_sizes
        Compressed size of each segment, in chunk order.
    min_part
        Smallest part S3 accepts except the last (5 MiB; tests use less).
    max_part
        Largest part S3 accepts (5 GiB); copies of longer runs are cut.

    Examples
    --------
    >>> [p.copy for p in plan_parts(100, [12 * MIB, 1 * MIB], 200)]
    [False, True, False]
    """
    planner = _Planner(min_part, max_part)
    planner.add(Span("head", 0, head_size))
    for index, size in enumerate(segment_sizes):
        planner.add_segment(index, size)
    planner.add(Span("tail", 0, tail_size))
    return planner.finish()


class _Planner:
    def __init__(self, min_part: int, max_part: int) -> None:
        self._min = min_part
        self._max = max_part
        self._parts: list[Part] = []
        self._pending: list[Span] = []
        self._pending_size = 0

    def add(self, span: Span) -> None:
        if span.size > 0:
            self._pending.append(span)
            self._pending_size += span.size

    def add_segment(self, index: int, size: int) -> None:
        start = 0
        if self._pending_size >= self._min:
            self._flush()
        if self._pending_size:
            # Top the pending bytes up to a valid part with the segment's first bytes.
            take = min(size, self._min - self._pending_size)
            self.add(Span(index, 0, take))
            start = take
            if self._pending_size >= self._min:
                self._flush()
        if size - start >= self._min:
            while start < size:
                end = min(size, start + self._max)
                if size - end and size - end < self._min:
                    end = size - self._min  # leave the last copy big enough to stand alone
                self._emit(True, (Span(index, start, end),))
                start = end
        else:
            self.add(Span(index, start, size))
        if self._pending_size >= self._min:
            self._flush()

    def _flush(self) -> None:
        self._emit(False, tuple(self._pending))
        self._pending = []
        self._pending_size = 0

    def _emit(self, copy: bool, spans: tuple[Span, ...]) -> None:
        self._parts.append(Part(len(self._parts) + 1, copy, spans))
        if len(self._parts) > S3_MAX_PARTS:
            raise TooManyParts(f"more than {S3_MAX_PARTS} parts; raise the chunk size")

    def finish(self) -> list[Part]:
        if self._pending or not self._parts:
            self._flush()
        return self._parts
