"""A chunk's digests and its raw-deflate segment, built piece by piece.

Each segment is a complete run of deflate blocks from a fresh compressor, ended with a
full flush (byte-aligned, no back-references into the next segment) or, for the last
chunk, with the final block. Concatenated in index order the segments are one valid
deflate stream of the whole file — what the merger puts in the ZIP without recompressing.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    sha256: str
    crc32: int
    length: int
    newline_count: int
    data: bytes


class SegmentBuilder:
    """Feed the chunk's exact bytes in order, then :meth:`finish`.

    hashlib, zlib.crc32 and the compressor release the GIL on large buffers.
    """

    def __init__(self, *, level: int, last: bool) -> None:
        self._sha = hashlib.sha256()
        self._crc = 0
        self._length = 0
        self._newlines = 0
        self._compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        self._out = bytearray()
        self._last = last

    def update(self, piece: bytes) -> None:
        self._sha.update(piece)
        self._crc = zlib.crc32(piece, self._crc)
        self._length += len(piece)
        self._newlines += piece.count(b"\n")
        self._out += self._compressor.compress(piece)

    def finish(self) -> Segment:
        self._out += self._compressor.flush(zlib.Z_FINISH if self._last else zlib.Z_FULL_FLUSH)
        data = bytes(self._out)
        self._out = bytearray()
        return Segment(self._sha.hexdigest(), self._crc, self._length, self._newlines, data)
