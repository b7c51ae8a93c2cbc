"""How a file of a given size travels to S3: one presigned PUT, or a multipart upload."""

from __future__ import annotations

import math
from dataclasses import dataclass

from circulion.s3_limits import MIB, S3_MAX_PARTS, S3_MIN_PART_BYTES


@dataclass(frozen=True)
class SinglePut:
    pass


@dataclass(frozen=True)
class PartPlan:
    part_size: int
    part_count: int


def plan_upload(size: int, single_put_max: int, preferred_part_size: int) -> SinglePut | PartPlan:
    """Choose the upload shape for ``size`` bytes.

    Parts are ``preferred_part_size`` unless that would need more than S3's 10,000 parts,
    in which case the smallest whole number of MiB that fits is used; never below S3's
    5 MiB minimum.

    Examples
    --------
    >>> plan_upload(1000, 64 * MIB, 8 * MIB)
    SinglePut()
    >>> plan_upload(50 * 1024 * MIB, 64 * MIB, 5 * MIB).part_count <= 10_000
    True
    """
    if size <= single_put_max:
        return SinglePut()
    fitting = math.ceil(math.ceil(size / S3_MAX_PARTS) / MIB) * MIB
    part_size = max(preferred_part_size, fitting, S3_MIN_PART_BYTES)
    return PartPlan(part_size=part_size, part_count=math.ceil(size / part_size))


def part_numbers(first: int, count: int, part_count: int, max_count: int) -> range:
    """The part numbers a ``GET /parts?first=&count=`` request may have URLs for."""
    if first < 1 or first > part_count:
        raise ValueError(f"first must be between 1 and {part_count}")
    if count < 1 or count > max_count:
        raise ValueError(f"count must be between 1 and {max_count}")
    return range(first, min(first + count, part_count + 1))


def expected_part_size(part_number: int, size: int, plan: PartPlan) -> int:
    """Bytes in part ``part_number`` (1-based): every part is full except the last."""
    if part_number < plan.part_count:
        return plan.part_size
    return size - plan.part_size * (plan.part_count - 1)
