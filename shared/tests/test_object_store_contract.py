"""One contract, two implementations: the in-memory fake and the S3 adapter.

The S3 side runs against moto in-process (a narrow adapter test); the system's behaviour
against the emulator over HTTP is covered in tests/stack/.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from circulion.adapters.object_store import CompletedPart, ObjectNotFound, ObjectStore, S3ObjectStore
from circulion.testing import InMemoryObjectStore

BUCKET = "contract-bucket"
MiB = 1024 * 1024


@pytest.fixture(params=["memory", "s3"])
def store(request: pytest.FixtureRequest) -> Iterator[ObjectStore]:
    if request.param == "memory":
        yield InMemoryObjectStore()
        return
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield S3ObjectStore(s3)


def test_put_head_get(store: ObjectStore) -> None:
    version = store.put_bytes(BUCKET, "a/b", b"hello world", "text/plain")
    info = store.head(BUCKET, "a/b")
    assert info.size == 11
    assert info.content_type == "text/plain"
    assert info.version_id == version
    assert store.get_bytes(BUCKET, "a/b") == b"hello world"


def test_ranges_are_half_open_and_clamped(store: ObjectStore) -> None:
    store.put_bytes(BUCKET, "r", bytes(range(100)))
    assert store.get_range(BUCKET, "r", 10, 20) == bytes(range(10, 20))
    assert store.get_range(BUCKET, "r", 95, 200) == bytes(range(95, 100))
    assert store.get_range(BUCKET, "r", 5, 5) == b""


def test_old_versions_stay_readable(store: ObjectStore) -> None:
    first = store.put_bytes(BUCKET, "v", b"one")
    store.put_bytes(BUCKET, "v", b"two")
    assert store.get_bytes(BUCKET, "v") == b"two"
    assert store.get_bytes(BUCKET, "v", version_id=first) == b"one"
    assert store.get_range(BUCKET, "v", 0, 2, version_id=first) == b"on"


def test_missing_object_is_object_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        store.head(BUCKET, "nope")
    with pytest.raises(ObjectNotFound):
        store.get_bytes(BUCKET, "nope")


def test_list_keys_by_prefix(store: ObjectStore) -> None:
    for key in ("p/1", "p/2", "q/1"):
        store.put_bytes(BUCKET, key, b"x")
    assert sorted(store.list_keys(BUCKET, "p/")) == ["p/1", "p/2"]


def test_tags_on_an_object(store: ObjectStore) -> None:
    store.put_bytes(BUCKET, "t", b"x")
    store.set_tags(BUCKET, "t", {"circulion-status": "rejected"})  # must not raise


def test_multipart_with_copied_and_uploaded_parts(store: ObjectStore) -> None:
    source = bytes(i % 251 for i in range(6 * MiB))
    store.put_bytes(BUCKET, "src", source)
    upload_id = store.create_multipart(BUCKET, "dst", "application/zip")
    e1 = store.upload_part_copy(BUCKET, "dst", upload_id, 1, BUCKET, "src", 0, 5 * MiB + 7)
    e2 = store.upload_part(BUCKET, "dst", upload_id, 2, b"tail")
    store.complete_multipart(BUCKET, "dst", upload_id, [CompletedPart(1, e1), CompletedPart(2, e2)])
    assert store.get_bytes(BUCKET, "dst") == source[: 5 * MiB + 7] + b"tail"


def test_abort_discards_the_upload(store: ObjectStore) -> None:
    upload_id = store.create_multipart(BUCKET, "gone", "application/zip")
    store.upload_part(BUCKET, "gone", upload_id, 1, b"x")
    store.abort_multipart(BUCKET, "gone", upload_id)
    with pytest.raises(ObjectNotFound):
        store.head(BUCKET, "gone")
