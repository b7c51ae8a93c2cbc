"""Objects in S3 behind a small port: ranged reads, writes, multipart assembly, tags.

Ranges are half-open ``[start, end)`` everywhere in this project; the HTTP ``Range``
header's inclusive end is translated here and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

from circulion.errors import PermanentError, TransientError


class ObjectNotFound(PermanentError):
    """The object (or that version of it) does not exist."""

    code = "object_not_found"


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    etag: str
    version_id: str | None
    content_type: str | None
    tags: dict[str, str] | None = None


@dataclass(frozen=True)
class CompletedPart:
    part_number: int
    etag: str


class ObjectStore(Protocol):
    """Port: what services do with objects."""

    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo: ...

    def get_range(self, bucket: str, key: str, start: int, end: int, version_id: str | None = None) -> bytes: ...

    def get_bytes(self, bucket: str, key: str, version_id: str | None = None) -> bytes: ...

    def put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> str | None: ...

    def delete(self, bucket: str, key: str) -> None: ...

    def set_tags(self, bucket: str, key: str, tags: dict[str, str], version_id: str | None = None) -> None: ...

    def list_keys(self, bucket: str, prefix: str) -> Iterator[str]: ...

    def create_multipart(self, bucket: str, key: str, content_type: str) -> str: ...

    def upload_part(self, bucket: str, key: str, upload_id: str, part_number: int, data: bytes) -> str: ...

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
    ) -> str: ...

    def complete_multipart(
        self, bucket: str, key: str, upload_id: str, parts: Sequence[CompletedPart]
    ) -> str | None: ...

    def abort_multipart(self, bucket: str, key: str, upload_id: str) -> None: ...


def put_json(store: ObjectStore, bucket: str, key: str, document: object) -> str | None:
    """Write a JSON document (compact, UTF-8)."""
    data = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    return store.put_bytes(bucket, key, data, content_type="application/json")


def get_json(store: ObjectStore, bucket: str, key: str) -> Any:
    """Read a JSON document written by :func:`put_json`."""
    return json.loads(store.get_bytes(bucket, key))


_MISSING = {"NoSuchKey", "404", "NoSuchVersion", "NotFound", "NoSuchUpload"}
_THROTTLED = {"SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError", "500", "503"}


def _translate(exc: ClientError, what: str) -> Exception:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code in _MISSING:
        return ObjectNotFound(f"{what}: not found")
    if code in _THROTTLED:
        return TransientError(f"{what}: {code}")
    return TransientError(f"{what}: {code or exc}")


class S3ObjectStore:
    """:class:`ObjectStore` on S3 (or the emulator's S3)."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            r = self._s3.head_object(**kwargs)
        except ClientError as exc:
            raise _translate(exc, f"s3://{bucket}/{key}") from exc
        return ObjectInfo(
            size=int(r["ContentLength"]),
            etag=str(r.get("ETag", "")).strip('"'),
            version_id=r.get("VersionId"),
            content_type=r.get("ContentType"),
        )

    def get_range(self, bucket: str, key: str, start: int, end: int, version_id: str | None = None) -> bytes:
        if end <= start:
            return b""
        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key, "Range": f"bytes={start}-{end - 1}"}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            body = self._s3.get_object(**kwargs)["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                return b""
            raise _translate(exc, f"s3://{bucket}/{key}[{start}:{end}]") from exc

    def get_bytes(self, bucket: str, key: str, version_id: str | None = None) -> bytes:
        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            return bytes(self._s3.get_object(**kwargs)["Body"].read())
        except ClientError as exc:
            raise _translate(exc, f"s3://{bucket}/{key}") from exc

    def put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> str | None:
        try:
            r = self._s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)
        except ClientError as exc:
            raise _translate(exc, f"s3://{bucket}/{key}") from exc
        version: str | None = r.get("VersionId")
        return version

    def delete(self, bucket: str, key: str) -> None:
        try:
            self._s3.delete_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            raise _translate(exc, f"s3://{bucket}/{key}") from exc

    def set_tags(self, bucket: str, key: str, tags: dict[str, str], version_id: str | None = None) -> None:
        kwargs: dict[str, Any] = {
            "Bucket": bucket,
            "Key": key,
            "Tagging": {"TagSet": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]},
        }
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            self._s3.put_object_tagging(**kwargs)
        except ClientError as exc:
            raise _translate(exc, f"s3://{bucket}/{key}") from exc

    def list_keys(self, bucket: str, prefix: str) -> Iterator[str]:
        paginator = self._s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield str(item["Key"])

    def create_multipart(self, bucket: str, key: str, content_type: str) -> str:
        r = self._s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType=content_type)
        return str(r["UploadId"])

    def upload_part(self, bucket: str, key: str, upload_id: str, part_number: int, data: bytes) -> str:
        try:
            r = self._s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=part_number, Body=data)
        except ClientError as exc:
            raise _translate(exc, f"s3://{bucket}/{key} part {part_number}") from exc
        return str(r["ETag"])

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
        try:
            r = self._s3.upload_part_copy(
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=part_number,
                CopySource={"Bucket": source_bucket, "Key": source_key},
                CopySourceRange=f"bytes={start}-{end - 1}",
            )
        except ClientError as exc:
            raise _translate(exc, f"copy s3://{source_bucket}/{source_key}") from exc
        return str(r["CopyPartResult"]["ETag"])

    def complete_multipart(self, bucket: str, key: str, upload_id: str, parts: Sequence[CompletedPart]) -> str | None:
        try:
            r = self._s3.complete_multipart_upload(
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": p.part_number, "ETag": p.etag} for p in parts]},
            )
        except ClientError as exc:
            raise _translate(exc, f"complete s3://{bucket}/{key}") from exc
        version: str | None = r.get("VersionId")
        return version

    def abort_multipart(self, bucket: str, key: str, upload_id: str) -> None:
        try:
            self._s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        except ClientError as exc:
            raise _translate(exc, f"abort s3://{bucket}/{key}") from exc
