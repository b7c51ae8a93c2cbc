"""Size, checksum and content sniffing, and the ordered concurrent reader."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.content_check import check_object
from chalicelib.settings import GIB, MIB
from chalicelib.upload_plan import PartPlan, SinglePut, expected_part_size, part_numbers, plan_upload


def codes(data: bytes, content_type: str, declared: bytes | None = None, size: int | None = None) -> list[str]:
    declared = data if declared is None else declared
    issues = check_object(
        lambda s, e: data[s:e],
        len(data),
        len(declared) if size is None else size,
        hashlib.sha256(declared).hexdigest(),
        content_type,
        range_bytes=4,
        concurrency=3,
    )
    return [i.code for i in issues]


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (b'{"a": 1}', "application/json", []),
        (b"  \n[1,2]", "application/json", []),
        (b"hello", "application/json", ["not_json"]),
        (b'\xef\xbb\xbf{"a":1}', "application/json", ["bom_not_allowed"]),
        (b'{"a": "\xff"}', "application/json", ["not_utf8"]),
        (b'{"step": 1}\n{"step": 2}\n', "application/x-ndjson", []),
        (b'{"step": 1}', "application/x-ndjson", []),
        (b'[1]\n{"step": 2}\n', "application/x-ndjson", ["first_line_not_object"]),
        (b'{"s": "\xe2\x82"}\n', "application/x-ndjson", ["first_line_not_object", "not_utf8"]),
        (b"\x00\xff\xfe binary", "application/octet-stream", []),
    ],
)
def test_sniffing(data: bytes, content_type: str, expected: list[str]) -> None:
    assert codes(data, content_type) == expected


def test_multibyte_character_across_range_boundaries_is_fine() -> None:
    data = '{"name": "écrou ✓ ✓ ✓"}'.encode()
    assert codes(data, "application/json") == []


def test_size_and_checksum_mismatch() -> None:
    assert codes(b'{"a":1}', "application/json", size=99) == ["size_mismatch"]
    assert codes(b'{"a":1}', "application/json", declared=b'{"a":2}') == ["checksum_mismatch"]


def test_upload_plan() -> None:
    assert plan_upload(64 * MIB, 64 * MIB, 8 * MIB) == SinglePut()
    plan = plan_upload(64 * MIB + 1, 64 * MIB, 8 * MIB)
    assert plan == PartPlan(part_size=8 * MIB, part_count=9)
    big = plan_upload(50 * GIB, 64 * MIB, 5 * MIB)
    assert isinstance(big, PartPlan) and big.part_count <= 10_000 and big.part_size >= 5 * MIB
    assert expected_part_size(9, 64 * MIB + 1, plan) == 1
    assert list(part_numbers(8, 5, 9, 100)) == [8, 9]
    with pytest.raises(ValueError):
        part_numbers(10, 1, 9, 100)


@given(size=st.integers(1, 5 * 1024 * GIB))
def test_any_size_fits_s3_part_rules(size: int) -> None:
    plan = plan_upload(size, 64 * MIB, 8 * MIB)
    if isinstance(plan, PartPlan):
        assert plan.part_count <= 10_000 and plan.part_size >= 5 * MIB
        assert plan.part_size * plan.part_count >= size > plan.part_size * (plan.part_count - 1)
