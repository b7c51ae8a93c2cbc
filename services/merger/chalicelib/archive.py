"""What a recipe's archive is, byte for byte, except the segments themselves (pure).

The archive holds two entries: the recipe file, deflated, whose compressed bytes are the
chunk segments concatenated in order (each ended with a full flush, the last with finish,
so together they are one deflate stream), and ``manifest.json``. The head (the recipe
entry's local header) and the tail (the manifest entry and the central directory) are
built here; the segments are copied from the work bucket by :mod:`chalicelib.assembly`.
Everything depends only on the ledger's contents, so a re-merge writes the same bytes.
"""

from __future__ import annotations

import json
import mimetypes
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.crc import crc32_of_parts
from chalicelib.zipformat import ZIP64_LIMIT, Entry, central_directory, local_header
from circulion.contracts.events import ChunkProcessedPayload, ObjectRef, RecipeSplitPayload

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "circulion-archive/1"

_EXTENSIONS = {"application/json": ".json", "application/x-ndjson": ".ndjson"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class InconsistentChunks(ValueError):
    """The chunk results do not tile the uploaded file."""


@dataclass(frozen=True)
class ArchiveLayout:
    """The archive as head + segments + tail, with what ``recipe.merged`` reports."""

    head: bytes
    segments: tuple[ObjectRef, ...]
    segment_sizes: tuple[int, ...]
    tail: bytes
    file_name: str

    @property
    def size(self) -> int:
        return len(self.head) + sum(self.segment_sizes) + len(self.tail)


@dataclass(frozen=True)
class ArchiveFacts:
    """The ledger facts the manifest records; all stable across re-merges."""

    recipe_id: str
    tenant_id: str
    plan: RecipeSplitPayload
    pipeline_version: str
    first_seen_at: datetime
    merge_started_at: datetime


def entry_file_name(plan: RecipeSplitPayload) -> str:
    """The recipe's file name inside the archive: the uploaded file's own name when the
    client sent it (made safe as a ZIP entry: no directories, only ``A-Za-z0-9._-``), else
    the recipe's name plus an extension by type."""
    uploaded = _UNSAFE.sub("_", plan.recipe.file_name or "").strip("._")
    if uploaded:
        return uploaded
    base = _UNSAFE.sub("_", plan.recipe.name).strip("._") or "recipe"
    content_type = plan.recipe.content_type.split(";")[0].strip().lower()
    extension = _EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type) or ".bin"
    return base if base.endswith(extension) else base + extension


def check_tiling(chunks: Sequence[ChunkProcessedPayload], size_bytes: int) -> None:
    """Chunks must be indices 0..n-1 covering ``[0, size_bytes)`` without gap or overlap."""
    position = 0
    for expected, chunk in enumerate(chunks):
        span = chunk.chunk
        if span.index != expected or span.start != position or span.end < span.start:
            raise InconsistentChunks(f"chunk {span.index} [{span.start}, {span.end}) does not follow byte {position}")
        position = span.end
    if position != size_bytes:
        raise InconsistentChunks(f"chunks cover {position} bytes, the recipe has {size_bytes}")


def build_layout(
    facts: ArchiveFacts,
    chunks: Sequence[ChunkProcessedPayload],
    *,
    zip64_threshold: int = ZIP64_LIMIT,
) -> ArchiveLayout:
    """Head, segments and tail of the archive of ``chunks`` (sorted by index)."""
    check_tiling(chunks, facts.plan.recipe.size_bytes)
    name = entry_file_name(facts.plan)
    recipe_entry = Entry(
        name=name,
        crc32=crc32_of_parts((c.crc32, c.chunk.end - c.chunk.start) for c in chunks),
        compressed_size=sum(c.segment_size for c in chunks),
        uncompressed_size=facts.plan.recipe.size_bytes,
        offset=0,
        modified=facts.merge_started_at,
    )
    head = local_header(recipe_entry, zip64_threshold=zip64_threshold)
    manifest = manifest_bytes(facts, chunks, name, recipe_entry.crc32, data_offset=len(head))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(manifest) + compressor.flush()
    manifest_entry = Entry(
        name=MANIFEST_NAME,
        crc32=zlib.crc32(manifest),
        compressed_size=len(deflated),
        uncompressed_size=len(manifest),
        offset=len(head) + recipe_entry.compressed_size,
        modified=facts.merge_started_at,
    )
    manifest_header = local_header(manifest_entry, zip64_threshold=zip64_threshold)
    directory_offset = manifest_entry.offset + len(manifest_header) + len(deflated)
    directory = central_directory([recipe_entry, manifest_entry], directory_offset, zip64_threshold=zip64_threshold)
    return ArchiveLayout(
        head=head,
        segments=tuple(c.segment for c in chunks),
        segment_sizes=tuple(c.segment_size for c in chunks),
        tail=manifest_header + deflated + directory,
        file_name=name,
    )


def manifest_bytes(
    facts: ArchiveFacts,
    chunks: Sequence[ChunkProcessedPayload],
    file_name: str,
    crc32: int,
    *,
    data_offset: int,
) -> bytes:
    """``manifest.json``: deterministic (sorted keys, times from the ledger)."""
    plan = facts.plan
    described: list[dict[str, object]] = []
    archive_offset = data_offset
    for c in chunks:
        described.append(
            {
                "index": c.chunk.index,
                "offset": c.chunk.start,
                "size": c.chunk.end - c.chunk.start,
                "sha256": c.sha256,
                "crc32": c.crc32,
                "archive_offset": archive_offset,
                "compressed_size": c.segment_size,
                "record_count": c.record_count,
            }
        )
        archive_offset += c.segment_size
    document = {
        "format": MANIFEST_FORMAT,
        "recipe_id": facts.recipe_id,
        "tenant_id": facts.tenant_id,
        "recipe": plan.recipe.model_dump(mode="json"),
        "kind": plan.kind,
        "source": plan.source.model_dump(mode="json"),
        "file": {
            "name": file_name,
            "size_bytes": plan.recipe.size_bytes,
            "sha256": plan.recipe.sha256,
            "crc32": crc32,
            "compressed_size": sum(c.segment_size for c in chunks),
        },
        "chunk_size": plan.chunk_size,
        "chunks": described,
        "validation": {"record_count": sum(c.record_count for c in chunks), "issue_count": 0},
        "pipeline_version": facts.pipeline_version,
        "times": {
            "first_seen_at": facts.first_seen_at.isoformat(),
            "merge_started_at": facts.merge_started_at.isoformat(),
        },
    }
    return json.dumps(document, sort_keys=True, indent=1).encode("utf-8")


def artifact_key(tenant_id: str, plan: RecipeSplitPayload, recipe_id: str) -> str:
    """The archive's immutable key: one per recipe upload, never overwritten by another."""
    return f"artifacts/{tenant_id}/{plan.recipe.name}/{plan.recipe.version}/{recipe_id}.zip"
