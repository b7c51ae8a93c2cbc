"""A multipart upload that is gone is S3's 404 NoSuchUpload in the emulator, not a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto_servers import local_client, moto_server

from circulion_local.emulator.multipart import answer_no_such_upload

BUCKET = "circulion-multipart-gone"
PART = b"p" * (5 * 1024 * 1024)


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    answer_no_such_upload()
    with moto_server() as ports:
        client = local_client(ports, "s3", config=Config(retries={"max_attempts": 1}))
        client.create_bucket(Bucket=BUCKET)
        yield client


def _completed(s3: Any, key: str) -> str:
    upload_id = str(s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"])
    etag = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=1, Body=PART)["ETag"]
    s3.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    return upload_id


def _status_and_code(call: Any) -> tuple[int, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response
    return int(error["ResponseMetadata"]["HTTPStatusCode"]), str(error["Error"]["Code"])


def test_a_part_after_complete_is_no_such_upload(s3: Any) -> None:
    upload_id = _completed(s3, "after-complete")
    late = lambda: s3.upload_part(Bucket=BUCKET, Key="after-complete", UploadId=upload_id, PartNumber=2, Body=b"x")  # noqa: E731
    assert _status_and_code(late) == (404, "NoSuchUpload")


def test_completing_an_aborted_upload_is_no_such_upload(s3: Any) -> None:
    upload_id = str(s3.create_multipart_upload(Bucket=BUCKET, Key="aborted")["UploadId"])
    etag = s3.upload_part(Bucket=BUCKET, Key="aborted", UploadId=upload_id, PartNumber=1, Body=PART)["ETag"]
    s3.abort_multipart_upload(Bucket=BUCKET, Key="aborted", UploadId=upload_id)
    complete = lambda: s3.complete_multipart_upload(  # noqa: E731
        Bucket=BUCKET, Key="aborted", UploadId=upload_id, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]}
    )
    assert _status_and_code(complete) == (404, "NoSuchUpload")


def test_an_unknown_bucket_is_still_no_such_bucket(s3: Any) -> None:
    late = lambda: s3.upload_part(Bucket="nope-bucket", Key="k", UploadId="u", PartNumber=1, Body=b"x")  # noqa: E731
    assert _status_and_code(late) == (404, "NoSuchBucket")
