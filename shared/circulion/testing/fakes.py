"""In-memory fakes of the shared ports, for unit tests without AWS.

Each fake passes the same contract tests as its boto3 adapter (see ``shared/tests``), so
a unit test that passes against a fake means the same against the real thing.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from circulion.adapters.dead_letters import RedrivePolicy
from circulion.adapters.object_store import CompletedPart, ObjectInfo, ObjectNotFound
from circulion.contracts.envelope import Envelope
from circulion.lambda_types import SqsRecord


class InMemoryEventBus:
    """Collects published events in order."""

    def __init__(self) -> None:
        self.events: list[Envelope] = []

    def publish(self, event: Envelope) -> None:
        self.events.append(event)

    def of_type(self, type_: str) -> list[Envelope]:
        return [e for e in self.events if e.type == type_]


class InMemoryTaskQueue:
    """Collects enqueued tasks in order."""

    def __init__(self) -> None:
        self.tasks: list[Envelope] = []

    def send(self, tasks: Sequence[Envelope]) -> None:
        self.tasks.extend(tasks)


@dataclass
class InMemoryDeadLetters:
    """Records what would be moved to a DLQ."""

    max_receive_count: int = 3
    sent: list[tuple[SqsRecord, str, str]] = field(default_factory=list)

    def policy(self, queue_arn: str) -> RedrivePolicy | None:
        return RedrivePolicy(f"memory://{queue_arn}-dlq", self.max_receive_count)

    def send(self, record: SqsRecord, reason: str, function: str) -> None:
        self.sent.append((record, reason, function))


@dataclass
class _Stored:
    data: bytes
    content_type: str
    version_id: str
    tags: dict[str, str] = field(default_factory=dict)


class InMemoryObjectStore:
    """:class:`~circulion.adapters.object_store.ObjectStore` in a dict, with versions."""

    def __init__(self) -> None:
        self._objects: dict[tuple[str, str], list[_Stored]] = {}
        self._uploads: dict[str, tuple[str, str, str, dict[int, bytes]]] = {}
        self._ids = itertools.count(1)
        self.range_reads: list[tuple[str, str, int, int]] = []

    def _get(self, bucket: str, key: str, version_id: str | None) -> _Stored:
        versions = self._objects.get((bucket, key))
        if not versions:
            raise ObjectNotFound(f"s3://{bucket}/{key}: not found")
        if version_id is None:
            return versions[-1]
        for stored in versions:
            if stored.version_id == version_id:
                return stored
        raise ObjectNotFound(f"s3://{bucket}/{key}?versionId={version_id}: not found")

    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
        stored = self._get(bucket, key, version_id)
        return ObjectInfo(
            size=len(stored.data),
            etag=hashlib.md5(stored.data).hexdigest(),  # noqa: S324 - S3's ETag is MD5
            version_id=stored.version_id,
            content_type=stored.content_type,
            tags=dict(stored.tags),
        )

    def get_range(self, bucket: str, key: str, start: int, end: int, version_id: str | None = None) -> bytes:
        self.range_reads.append((bucket, key, start, end))
        return self._get(bucket, key, version_id).data[start:end]

    def get_bytes(self, bucket: str, key: str, version_id: str | None = None) -> bytes:
        return self._get(bucket, key, version_id).data

    def put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> str | None:
        version = f"v{next(self._ids)}"
        self._objects.setdefault((bucket, key), []).append(_Stored(bytes(data), content_type, version))
        return version

    def delete(self, bucket: str, key: str) -> None:
        self._objects.pop((bucket, key), None)

    def set_tags(self, bucket: str, key: str, tags: dict[str, str], version_id: str | None = None) -> None:
        self._get(bucket, key, version_id).tags = dict(tags)

    def list_keys(self, bucket: str, prefix: str) -> Iterator[str]:
        keys = sorted(k for (b, k) in self._objects if b == bucket and k.startswith(prefix))
        return iter(keys)

    def create_multipart(self, bucket: str, key: str, content_type: str) -> str:
        upload_id = f"upload-{next(self._ids)}"
        self._uploads[upload_id] = (bucket, key, content_type, {})
        return upload_id

    def upload_part(self, bucket: str, key: str, upload_id: str, part_number: int, data: bytes) -> str:
        self._upload(upload_id)[3][part_number] = bytes(data)
        return hashlib.md5(data).hexdigest()  # noqa: S324 - S3's ETag is MD5

    def upload_part_copy(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        source_bucket: str,
        source_key: str,
        start: int,
        end: int,
    ) -> str:
        data = self._get(source_bucket, source_key, None).data[start:end]
        return self.upload_part(bucket, key, upload_id, part_number, data)

    def complete_multipart(self, bucket: str, key: str, upload_id: str, parts: Sequence[CompletedPart]) -> str | None:
        _, _, content_type, stored = self._upload(upload_id)
        data = b"".join(stored[p.part_number] for p in sorted(parts, key=lambda p: p.part_number))
        del self._uploads[upload_id]
        return self.put_bytes(bucket, key, data, content_type)

    def abort_multipart(self, bucket: str, key: str, upload_id: str) -> None:
        self._uploads.pop(upload_id, None)

    def _upload(self, upload_id: str) -> tuple[str, str, str, dict[int, bytes]]:
        if upload_id not in self._uploads:
            raise ObjectNotFound(f"multipart upload {upload_id}: not found")
        return self._uploads[upload_id]
