"""The emulator's ranged GETs read only their range and answer exactly as moto did."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.s3.models import FakeKey
from moto_servers import local_client, moto_server

from circulion_local.emulator.ranges import serve_ranges_in_place

BUCKET = "circulion-bench-ranges"
DATA = os.urandom(3 * 1024 * 1024 + 17)


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    serve_ranges_in_place()
    with moto_server() as ports:
        client = local_client(ports, "s3")
        client.create_bucket(Bucket=BUCKET)
        client.put_object(Bucket=BUCKET, Key="k", Body=DATA)
        yield client


def _get(s3: Any, range_header: str | None = None, **extra: Any) -> tuple[bytes, dict[str, Any]]:
    arguments = {"Bucket": BUCKET, "Key": "k", **extra}
    if range_header is not None:
        arguments["Range"] = range_header
    response = s3.get_object(**arguments)
    return response["Body"].read(), response


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [
        ("bytes=0-0", 0, 1),
        ("bytes=5-1048580", 5, 1048581),
        ("bytes=3145700-9999999", 3145700, len(DATA)),  # clipped at the end, as S3 does
        (f"bytes={len(DATA) - 1}-{len(DATA) - 1}", len(DATA) - 1, len(DATA)),
        ("bytes=100-", 100, len(DATA)),  # open ranges keep moto's own path
        ("bytes=-10", len(DATA) - 10, len(DATA)),
    ],
)
def test_a_range_returns_exactly_its_bytes(s3: Any, header: str, start: int, stop: int) -> None:
    body, response = _get(s3, header)
    assert body == DATA[start:stop]
    assert response["ContentRange"] == f"bytes {start}-{stop - 1}/{len(DATA)}"


def test_whole_object_and_bad_ranges_are_unchanged(s3: Any) -> None:
    assert _get(s3)[0] == DATA
    with pytest.raises(ClientError) as raised:
        _get(s3, f"bytes={len(DATA)}-{len(DATA) + 5}")
    assert raised.value.response["Error"]["Code"] == "InvalidRange"


def test_a_closed_range_never_reads_the_whole_object(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    whole_reads: list[int] = []
    patched: property = FakeKey.value  # type: ignore[assignment]

    def counting(self: Any) -> Any:
        result = patched.fget(self)  # type: ignore[misc]
        if isinstance(result, bytes):
            whole_reads.append(len(result))
        return result

    monkeypatch.setattr(FakeKey, "value", property(counting, patched.fset))
    assert _get(s3, "bytes=10-20")[0] == DATA[10:21]
    assert whole_reads == []
    assert _get(s3)[0] == DATA
    assert whole_reads == [len(DATA)]
