"""Writing an archive to S3 with one multipart upload (one PutObject when it is a single
uploaded part), hashing it on the way.

Parts come from :func:`chalicelib.parts.plan_parts`: copies run server-side in a small
thread pool while this thread reads every byte once, in archive order, to compute the
SHA-256 (a hash cannot be combined from pieces, so every byte must pass through here
once; copying saves the upload half of the traffic, not the read). Uploaded parts are
built from the same reads. Memory stays at one part plus one read buffer.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from chalicelib.archive import ArchiveLayout
from chalicelib.parts import Part, Span, plan_parts
from circulion.adapters.object_store import CompletedPart, ObjectNotFound, ObjectStore
from circulion.errors import TransientError
from circulion.s3_limits import MIB, S3_MIN_PART_BYTES

READ_SIZE = 8 * MIB
"""Largest ranged GET held in memory at once."""

_COPY_WORKERS = 4


class SegmentMismatch(TransientError):
    """A segment is not the size its ``chunk.processed`` reported (still being rewritten?)."""

    code = "segment_mismatch"


@dataclass(frozen=True)
class Written:
    """The committed archive."""

    bucket: str
    key: str
    size: int
    sha256: str
    version_id: str | None
    parts: int
    copied_parts: int


def write_archive(
    objects: ObjectStore,
    layout: ArchiveLayout,
    bucket: str,
    key: str,
    *,
    min_part: int = S3_MIN_PART_BYTES,
    checkpoint: Callable[[str], None] = lambda _: None,
) -> Written:
    """Assemble ``layout`` into ``s3://bucket/key``; the upload is aborted on failure."""
    parts = plan_parts(len(layout.head), layout.segment_sizes, len(layout.tail), min_part=min_part)
    if len(parts) == 1 and not parts[0].copy:
        return _put_whole(objects, layout, bucket, key, parts[0])
    upload_id = objects.create_multipart(bucket, key, "application/zip")
    digest = hashlib.sha256()
    try:
        with ThreadPoolExecutor(max_workers=_COPY_WORKERS, thread_name_prefix="part-copy") as pool:
            pending: list[Future[CompletedPart]] = []
            done: list[CompletedPart] = []
            for part in parts:
                if part.copy:
                    pending.append(pool.submit(_copy_part, objects, layout, bucket, key, upload_id, part))
                    for chunk in _read(objects, layout, part.spans[0]):
                        digest.update(chunk)
                else:
                    data = bytearray()
                    for span in part.spans:
                        for chunk in _read(objects, layout, span):
                            digest.update(chunk)
                            data += chunk
                    etag = objects.upload_part(bucket, key, upload_id, part.number, bytes(data))
                    done.append(CompletedPart(part.number, etag))
                checkpoint("part_written")
            done += [f.result() for f in pending]
        version_id = objects.complete_multipart(bucket, key, upload_id, sorted(done, key=lambda p: p.part_number))
    except Exception:
        # Best effort: a leftover upload costs storage until the lifecycle rule aborts it;
        # the original failure is the one to report.
        with contextlib.suppress(Exception):
            objects.abort_multipart(bucket, key, upload_id)
        raise
    return Written(
        bucket=bucket,
        key=key,
        size=layout.size,
        sha256=digest.hexdigest(),
        version_id=version_id,
        parts=len(parts),
        copied_parts=sum(1 for p in parts if p.copy),
    )


def _put_whole(objects: ObjectStore, layout: ArchiveLayout, bucket: str, key: str, part: Part) -> Written:
    """An archive that is one uploaded part anyway (a small recipe): one PutObject.

    A multipart upload of one part is three requests (create, part, complete) for the same
    bytes; the part is already held in memory whole, so nothing is lost by sending it so.
    """
    digest = hashlib.sha256()
    data = bytearray()
    for span in part.spans:
        for chunk in _read(objects, layout, span):
            digest.update(chunk)
            data += chunk
    version_id = objects.put_bytes(bucket, key, bytes(data), content_type="application/zip")
    return Written(bucket, key, layout.size, digest.hexdigest(), version_id, parts=1, copied_parts=0)


def adopt_written(objects: ObjectStore, layout: ArchiveLayout, bucket: str, key: str) -> Written | None:
    """The archive a crashed attempt already completed under ``key``, if it is ``layout``'s.

    A merger killed between ``CompleteMultipartUpload`` and its ledger commit leaves the
    finished archive behind; writing it again would add a second (identical) version of
    an immutable key. The key is the recipe's own, and the head and tail carry the job's
    fingerprint (the manifest names the recipe, the plan, every chunk's SHA-256, the CRC and
    the merge's start time), so an object of the layout's size whose first and last bytes
    are the layout's head and tail is this job's archive. Its SHA-256 is read back, pinned
    to that version: the same one pass over the bytes a rewrite would have made, minus the
    upload. ``None`` when there is nothing (or something else) there: write it.
    """
    try:
        info = objects.head(bucket, key)
    except ObjectNotFound:
        return None
    size, version = info.size, info.version_id
    if size != layout.size:
        return None
    tail_start = size - len(layout.tail)
    if objects.get_range(bucket, key, 0, len(layout.head), version) != layout.head:
        return None
    if objects.get_range(bucket, key, tail_start, size, version) != layout.tail:
        return None
    digest = hashlib.sha256()
    for offset in range(0, size, READ_SIZE):
        end = min(size, offset + READ_SIZE)
        data = objects.get_range(bucket, key, offset, end, version)
        if len(data) != end - offset:
            return None  # replaced or shrunk under us: rewrite rather than trust it
        digest.update(data)
    return Written(bucket, key, size, digest.hexdigest(), version, parts=0, copied_parts=0)


def _copy_part(
    objects: ObjectStore, layout: ArchiveLayout, bucket: str, key: str, upload_id: str, part: Part
) -> CompletedPart:
    (span,) = part.spans
    assert isinstance(span.source, int)
    segment = layout.segments[span.source]
    etag = objects.upload_part_copy(
        bucket, key, upload_id, part.number, segment.bucket, segment.key, span.start, span.end
    )
    return CompletedPart(part.number, etag)


def _read(objects: ObjectStore, layout: ArchiveLayout, span: Span) -> Iterator[bytes]:
    """The span's bytes in pieces of at most :data:`READ_SIZE`, fetched one at a time."""
    if span.source == "head":
        yield layout.head[span.start : span.end]
        return
    if span.source == "tail":
        yield layout.tail[span.start : span.end]
        return
    segment = layout.segments[span.source]
    for offset in range(span.start, span.end, READ_SIZE):
        end = min(span.end, offset + READ_SIZE)
        data = objects.get_range(segment.bucket, segment.key, offset, end, segment.version_id)
        if len(data) != end - offset:
            raise SegmentMismatch(f"s3://{segment.bucket}/{segment.key} is shorter than its chunk.processed says")
        yield data
