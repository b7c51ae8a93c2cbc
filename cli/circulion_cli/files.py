"""Reading the local file (one hashing pass, byte ranges streamed to part PUTs) and
writing a download through SHA-256.

The API needs the SHA-256 when the recipe is created, before any byte is sent, so the
file is read twice: once to hash (about 1 s per GB on this machine), once to upload.
Memory stays O(block): parts are streamed from disk, never loaded whole.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol

BLOCK_SIZE = 1 << 20

OnBytes = Callable[[int], None]
"""Called with the number of bytes just read (a delta, not a total)."""


def sha256_file(path: Path, on_bytes: OnBytes | None = None, *, block_size: int = BLOCK_SIZE) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(block_size):
            digest.update(block)
            if on_bytes is not None:
                on_bytes(len(block))
    return digest.hexdigest()


class RangeReader(io.RawIOBase):
    """A read-only stream over ``[offset, offset + length)`` of a file, reporting progress.

    ``http.client`` sends a file-like body by calling ``read`` in blocks, so the part
    goes from disk to the socket without being held in memory.
    """

    def __init__(self, path: Path, offset: int, length: int, on_bytes: OnBytes | None = None) -> None:
        super().__init__()
        self._handle: BinaryIO = path.open("rb")
        self._handle.seek(offset)
        self._remaining = length
        self._on_bytes = on_bytes
        self.sent = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        wanted = self._remaining if size is None or size < 0 else min(size, self._remaining)
        block = self._handle.read(wanted)
        if len(block) < wanted and not block:
            raise OSError("file shrank while it was being uploaded")
        self._remaining -= len(block)
        self.sent += len(block)
        if self._on_bytes is not None:
            self._on_bytes(len(block))
        return block

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        block = self.read(len(buffer))
        buffer[: len(block)] = block
        return len(block)

    def close(self) -> None:
        self._handle.close()
        super().close()


class _Writable(Protocol):
    def write(self, block: bytes, /) -> int: ...


class HashingSink:
    """A write-only sink hashing and counting what passes through to the file."""

    def __init__(self, handle: _Writable, on_bytes: Callable[[int], None] | None) -> None:
        self._handle = handle
        self._digest = hashlib.sha256()
        self._on_bytes = on_bytes
        self.size = 0

    def write(self, block: bytes) -> int:
        self._digest.update(block)
        self.size += len(block)
        if self._on_bytes is not None:
            self._on_bytes(len(block))
        return self._handle.write(block)

    def hexdigest(self) -> str:
        return self._digest.hexdigest()
