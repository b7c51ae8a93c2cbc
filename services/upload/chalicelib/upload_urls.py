"""Presigned S3 URLs for the customer's bytes, and the multipart calls around them."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

from chalicelib.errors import Conflict, InvalidRequest
from circulion.errors import TransientError


@dataclass(frozen=True)
class PresignedRequest:
    method: str
    url: str
    headers: dict[str, str]


@dataclass(frozen=True)
class UploadedPart:
    part_number: int
    etag: str
    size: int


class UploadUrls(Protocol):
    """Port: direct-to-S3 uploads."""

    def presign_put(self, bucket: str, key: str, content_type: str, sha256: str, ttl_s: int) -> PresignedRequest: ...

    def start_multipart(self, bucket: str, key: str, content_type: str) -> str: ...

    def presign_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, content_type: str, ttl_s: int
    ) -> PresignedRequest: ...

    def uploaded_parts(self, bucket: str, key: str, upload_id: str) -> list[UploadedPart] | None:
        """Parts received so far; ``None`` when the upload no longer exists."""

    def complete(self, bucket: str, key: str, upload_id: str, parts: Sequence[tuple[int, str]]) -> None: ...

    def abort(self, bucket: str, key: str, upload_id: str) -> None: ...

    def exists(self, bucket: str, key: str) -> bool: ...


def sha256_header(sha256_hex: str) -> str:
    """S3's ``x-amz-checksum-sha256`` value: the base64 of the digest."""
    return base64.b64encode(bytes.fromhex(sha256_hex)).decode()


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3UploadUrls(UploadUrls):
    """:class:`UploadUrls` with a boto3 S3 client.

    The client must be built with ``request_checksum_calculation="when_required"``: newer
    botocore otherwise adds a CRC32 checksum parameter to presigned URLs that the
    customer's client cannot satisfy.
    """

    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def presign_put(self, bucket: str, key: str, content_type: str, sha256: str, ttl_s: int) -> PresignedRequest:
        checksum = sha256_header(sha256)
        url = self._s3.generate_presigned_url(
            "put_object",
            Params={"Bucket": bucket, "Key": key, "ContentType": content_type, "ChecksumSHA256": checksum},
            ExpiresIn=ttl_s,
        )
        # S3 itself then refuses bytes whose digest differs from the declaration.
        headers = {"Content-Type": content_type, "x-amz-checksum-sha256": checksum}
        return PresignedRequest("PUT", str(url), headers)

    def start_multipart(self, bucket: str, key: str, content_type: str) -> str:
        try:
            r = self._s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType=content_type)
        except ClientError as exc:
            raise TransientError(f"create multipart upload: {_code(exc)}") from exc
        return str(r["UploadId"])

    def presign_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, content_type: str, ttl_s: int
    ) -> PresignedRequest:
        url = self._s3.generate_presigned_url(
            "upload_part",
            Params={"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": part_number},
            ExpiresIn=ttl_s,
        )
        return PresignedRequest("PUT", str(url), {"Content-Type": content_type})

    def uploaded_parts(self, bucket: str, key: str, upload_id: str) -> list[UploadedPart] | None:
        parts: list[UploadedPart] = []
        marker = 0
        while True:
            try:
                r = self._s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id, PartNumberMarker=marker)
            except ClientError as exc:
                if _code(exc) in {"NoSuchUpload", "404"}:
                    return None
                raise TransientError(f"list parts: {_code(exc)}") from exc
            parts.extend(
                UploadedPart(int(p["PartNumber"]), str(p["ETag"]).strip('"'), int(p["Size"]))
                for p in r.get("Parts", [])
            )
            if not r.get("IsTruncated"):
                return parts
            marker = int(r["NextPartNumberMarker"])

    def complete(self, bucket: str, key: str, upload_id: str, parts: Sequence[tuple[int, str]]) -> None:
        try:
            self._s3.complete_multipart_upload(
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etag} for n, etag in parts]},
            )
        except ClientError as exc:
            code = _code(exc)
            if code in {"InvalidPart", "InvalidPartOrder", "EntityTooSmall"}:
                raise InvalidRequest(f"S3 refused the parts: {code}", code="invalid_parts") from exc
            if code == "NoSuchUpload":
                raise Conflict("the multipart upload no longer exists", code="upload_gone") from exc
            raise TransientError(f"complete multipart upload: {code}") from exc

    def abort(self, bucket: str, key: str, upload_id: str) -> None:
        try:
            self._s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
        except ClientError as exc:
            if _code(exc) == "NoSuchUpload":
                return
            raise TransientError(f"abort multipart upload: {_code(exc)}") from exc

    def exists(self, bucket: str, key: str) -> bool:
        try:
            self._s3.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise TransientError(f"head object: {_code(exc)}") from exc
        return True
