"""Multipart completion joined once, and objects hashed as stored, answer as moto does."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from moto.s3.exceptions import EntityTooSmall, InvalidPart
from moto.s3.models import FakeKey, FakeMultipart

from circulion_local.emulator.object_bytes import hash_values_as_stored, join_parts_once

ACCOUNT = "123456789012"
MiB = 1024 * 1024
ORIGINAL: Any = FakeMultipart.complete  # captured before the patch


def _upload(metadata: dict[str, str], sizes: list[int]) -> tuple[FakeMultipart, list[tuple[int, str]]]:
    upload = FakeMultipart("k", metadata, account_id=ACCOUNT, region_name="us-east-1")
    etags = [(number, upload.set_part(number, os.urandom(size)).etag) for number, size in enumerate(sizes, 1)]
    return upload, etags


@pytest.mark.parametrize(
    "metadata",
    [
        {},  # moto's default: CRC64NVME over the full object
        {"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "FULL_OBJECT"},
        {"x-amz-checksum-algorithm": "CRC32"},  # composite
        {"x-amz-checksum-algorithm": "SHA256"},  # composite
    ],
)
def test_same_body_etag_and_checksum_as_moto(metadata: dict[str, str]) -> None:
    upload, etags = _upload(metadata, [5 * MiB, 5 * MiB + 3, 17])
    expected = ORIGINAL(upload, iter(etags))
    join_parts_once()
    body, etag, checksum = FakeMultipart.complete(upload, iter(etags))
    assert (bytes(body), etag, checksum) == expected


def test_a_completed_object_keeps_the_joined_parts_as_its_storage() -> None:
    join_parts_once()
    upload, etags = _upload({}, [5 * MiB, 2 * MiB])
    body, etag, _ = upload.complete(iter(etags))
    key = FakeKey("done", body, account_id=ACCOUNT, region_name="us-east-1", etag=etag)  # type: ignore[arg-type]
    assert key.value == b"".join(upload.parts[n].value for n in (1, 2))
    assert key.size == 7 * MiB
    assert key.etag == f'"{etag}"'


def test_same_refusals_as_moto() -> None:
    join_parts_once()
    upload, etags = _upload({}, [5 * MiB, 1024, 1024])
    with pytest.raises(EntityTooSmall):
        upload.complete(iter(etags))  # a part before the last under 5 MiB
    with pytest.raises(InvalidPart):
        upload.complete(iter([(1, '"not-the-etag"')]))


def test_an_object_etag_is_the_md5_of_its_bytes() -> None:
    hash_values_as_stored()
    value = os.urandom(6 * MiB + 5)
    key = FakeKey("k", value, account_id=ACCOUNT, region_name="us-east-1")
    assert key.etag == f'"{hashlib.md5(value).hexdigest()}"'
    assert key.value == value
    given = FakeKey("k", value, account_id=ACCOUNT, region_name="us-east-1", etag="abc-2")
    assert given.etag == '"abc-2"'  # a multipart ETag given by moto is kept
