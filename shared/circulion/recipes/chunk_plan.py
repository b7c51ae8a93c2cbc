"""Cutting a recipe into byte ranges: the plan the splitter fans out and the offline
validator follows, so both see the same chunks (pure, no I/O)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from circulion.contracts.events import ChunkSpan, RecipeKind
from circulion.recipes.limits import MiB

MAX_CHUNKS = 4_999
"""The merger builds the archive from the segments in at most two S3 parts each (a top-up
of the part before, then a copy of the rest) plus the head and the tail, and S3 takes at
most 10,000 parts: beyond 4,999 chunks a merge could fail, so larger files get larger
chunks instead (docs/CAPACITY.md)."""


@dataclass(frozen=True)
class ChunkPlan:
    """How one recipe is cut: ``spans`` tile ``[0, size_bytes)`` in index order."""

    size_bytes: int
    chunk_size: int
    spans: tuple[ChunkSpan, ...]

    @property
    def total_chunks(self) -> int:
        return len(self.spans)


def plan_chunks(
    size_bytes: int,
    kind: RecipeKind,
    *,
    chunk_size: int,
    direct_threshold: int,
    max_document_bytes: int,
) -> ChunkPlan:
    """Plan ``size_bytes`` into chunks.

    A file at most ``direct_threshold`` bytes, or a document small enough to validate
    whole, is one chunk; anything else is cut every ``chunk_size`` bytes (the last chunk
    takes the remainder), or every :func:`fitting_chunk_size` bytes when that would make
    more than :data:`MAX_CHUNKS`. An empty file is one empty chunk, so it still flows through.
    """
    if size_bytes < 0 or chunk_size < 1:
        raise ValueError("size must be non-negative and chunk size positive")
    chunk_size = fitting_chunk_size(size_bytes, chunk_size)
    single = size_bytes <= direct_threshold or (kind == "document" and size_bytes <= max_document_bytes)
    if single or size_bytes <= chunk_size:
        return ChunkPlan(size_bytes, max(size_bytes, 1), (ChunkSpan(index=0, start=0, end=size_bytes),))
    spans = tuple(
        ChunkSpan(index=i, start=start, end=min(start + chunk_size, size_bytes))
        for i, start in enumerate(range(0, size_bytes, chunk_size))
    )
    return ChunkPlan(size_bytes, chunk_size, spans)


def fitting_chunk_size(size_bytes: int, chunk_size: int) -> int:
    """``chunk_size``, or the smallest whole number of MiB that cuts ``size_bytes`` into at
    most :data:`MAX_CHUNKS` chunks when ``chunk_size`` would cut more.

    Examples
    --------
    >>> fitting_chunk_size(50 * 1024 * MiB, 8 * MiB) // MiB
    11
    >>> fitting_chunk_size(30 * 1024 * MiB, 8 * MiB) // MiB
    8
    """
    if math.ceil(size_bytes / chunk_size) <= MAX_CHUNKS:
        return chunk_size
    return math.ceil(math.ceil(size_bytes / MAX_CHUNKS) / MiB) * MiB
