"""CRC-32 of a concatenation from the CRCs of its parts, without the bytes.

The archive's recipe entry needs the CRC-32 of the whole file, but no function ever reads
the whole file: each chunk worker reports the CRC of its own byte range. This is zlib's
``crc32_combine`` (the GF(2) matrix method from ``crc32.c``): appending ``len2`` zero bits
to a CRC is a linear map, applied by repeated squaring in O(log len2) 32x32 steps.
"""

from __future__ import annotations

from collections.abc import Iterable

_POLYNOMIAL = 0xEDB88320  # reflected CRC-32 polynomial, as zlib uses
_WIDTH = 32


def _times(matrix: list[int], vector: int) -> int:
    result = 0
    row = 0
    while vector:
        if vector & 1:
            result ^= matrix[row]
        vector >>= 1
        row += 1
    return result


def _square(matrix: list[int]) -> list[int]:
    return [_times(matrix, matrix[n]) for n in range(_WIDTH)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of ``A + B`` given ``crc32(A)``, ``crc32(B)`` and ``len(B)``.

    >>> import zlib
    >>> crc32_combine(zlib.crc32(b"hello "), zlib.crc32(b"world"), 5) == zlib.crc32(b"hello world")
    True
    """
    if len2 <= 0:
        return crc1
    # The operator for one zero bit, then for two and four zero bits by squaring.
    odd = [_POLYNOMIAL] + [1 << n for n in range(_WIDTH - 1)]
    even = _square(odd)
    odd = _square(even)
    # Apply len2 zero *bytes* to crc1: square up through 8, 16, 32... bits, applying the
    # operator for each set bit of len2.
    while True:
        even = _square(odd)
        if len2 & 1:
            crc1 = _times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _square(even)
        if len2 & 1:
            crc1 = _times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def crc32_of_parts(parts: Iterable[tuple[int, int]]) -> int:
    """CRC-32 of consecutive parts given as ``(crc32, length)`` pairs, in order."""
    combined = 0
    for crc, length in parts:
        combined = crc32_combine(combined, crc, length)
    return combined
