"""Recipes built from real deflate segments, as the splitter and its workers leave them."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from circulion.adapters.object_store import ObjectStore
from circulion.contracts.events import (
    ChunkProcessed,
    ChunkProcessedPayload,
    ChunkSpan,
    ObjectRef,
    RecipeDescription,
    RecipeKind,
    RecipeSplit,
    RecipeSplitPayload,
    StepIdRange,
)

WORK_BUCKET = "circulion-work"
ARTIFACTS_BUCKET = "circulion-artifacts"


@dataclass(frozen=True)
class Recipe:
    """An uploaded file cut into chunks whose segments are in the work bucket."""

    recipe_id: str
    tenant_id: str
    data: bytes
    split: RecipeSplit
    chunks: tuple[ChunkProcessed, ...]

    def chunk(self, index: int) -> ChunkProcessed:
        return self.chunks[index]


def segment(data: bytes, last: bool, level: int = 6) -> bytes:
    """A raw-deflate segment as a worker writes it: full flush, or finish for the last."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


def make_recipe(
    store: ObjectStore,
    data: bytes,
    chunk_size: int,
    *,
    kind: RecipeKind = "asset",
    content_type: str = "application/octet-stream",
    name: str = "arm-disassembly",
    tenant_id: str = "acme",
    step_ids: Callable[[int], StepIdRange | None] | None = None,
) -> Recipe:
    """Cut ``data`` like the splitter, write real segments to ``store``, build the messages."""
    recipe_id = uuid.uuid4().hex
    total = max(1, -(-len(data) // chunk_size))
    description = RecipeDescription(
        name=name,
        version="1.0.0",
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    source = ObjectRef(bucket="circulion-uploads", key=f"incoming/{tenant_id}/{recipe_id}")
    plan = RecipeSplitPayload(recipe=description, kind=kind, source=source, total_chunks=total, chunk_size=chunk_size)
    split = RecipeSplit(recipe_id=recipe_id, tenant_id=tenant_id, payload=plan)
    chunks = []
    for index in range(total):
        start, end = index * chunk_size, min(len(data), (index + 1) * chunk_size)
        piece = data[start:end]
        compressed = segment(piece, last=index == total - 1)
        key = f"segments/{recipe_id}/{index:06d}.deflate"
        store.put_bytes(WORK_BUCKET, key, compressed)
        payload = ChunkProcessedPayload(
            chunk=ChunkSpan(index=index, start=start, end=end),
            total_chunks=total,
            sha256=hashlib.sha256(piece).hexdigest(),
            crc32=zlib.crc32(piece),
            segment=ObjectRef(bucket=WORK_BUCKET, key=key),
            segment_size=len(compressed),
            record_count=piece.count(b"\n"),
            step_ids=step_ids(index) if step_ids else None,
        )
        chunks.append(split.follow(ChunkProcessed, payload))
    return Recipe(recipe_id, tenant_id, data, split, tuple(chunks))


def extracted(archive: bytes) -> tuple[zipfile.ZipFile, bytes]:
    """The archive opened, and its recipe entry's bytes (CRC checked by ``zipfile``)."""
    zf = zipfile.ZipFile(io.BytesIO(archive))
    recipe_entry = next(n for n in zf.namelist() if n != "manifest.json")
    return zf, zf.read(recipe_entry)
