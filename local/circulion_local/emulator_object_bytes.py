"""S3 objects' bytes copied and hashed once, in the local emulator.

**Multipart completion.**
moto 5.2.5's ``FakeMultipart.complete`` appends every part to one ``bytearray``, appends
it again to a second one for the full-object checksum, then copies both into ``bytes``:
four copies of the whole object, plus a checksum over the last. Completing a 256 MiB
upload took 2.2 s of the emulator's only core (60 % of its time in the 256 MiB asset
benchmark; 1 GiB, ~6 s), and every large recipe is completed twice: the customer's
upload and the merger's archive. Here each part is read once and written into the file
the new object then keeps as its storage (:class:`JoinedParts`), and the checksum is
computed part by part, which gives the same value (CRC-32 and CRC-64/NVME continue
across calls). The answer (body, ETag, checksum) is moto's own.

**Object storage.** moto keeps each object in a ``SpooledTemporaryFile`` that moves to
disk past 5 MiB — every part, segment and chunk went to a file, and its MD5 (the ETag,
computed on the first response) read it back. Objects up to :data:`IN_MEMORY_BYTES`
stay in memory now (parts and segments are 8 MiB; uploads and archives still spill to
disk), and the MD5 is taken from the bytes as they are stored.
"""

from __future__ import annotations

import binascii
import importlib
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

_MARK = "_circulion_joined_once"
IN_MEMORY_BYTES = 16 * 1024 * 1024
BUFFER_SIZE_ENV = "MOTO_S3_DEFAULT_KEY_BUFFER_SIZE"


def _full_object_checksum(algorithm: str) -> tuple[Callable[[bytes, int], int], int] | None:
    """An incremental ``(update, width)`` for what moto computes over the whole object."""
    if algorithm == "CRC32":
        return binascii.crc32, 4
    if algorithm == "CRC64NVME":
        from moto.s3 import utils

        if not getattr(utils, "HAS_CRT", False):
            return binascii.crc32, 4  # moto's own fallback without awscrt
        checksums: Any = importlib.import_module("awscrt.checksums")
        return checksums.crc64nvme, 8
    return None


class JoinedParts:
    """A completed upload's parts, written one after the other into the file that becomes
    the new object's storage: what :func:`join_parts_once` hands moto instead of ``bytes``
    (the object setter patched by :func:`hash_values_as_stored` adopts the file)."""

    def __init__(self, buffer: IO[bytes]) -> None:
        self.buffer = buffer
        self._size = 0

    def append(self, value: bytes) -> None:
        self.buffer.write(value)
        self._size += len(value)

    def __len__(self) -> int:
        return self._size

    def __bytes__(self) -> bytes:
        self.buffer.seek(0)
        return self.buffer.read()


def join_parts_once() -> None:
    """Patch moto's multipart completion (idempotent)."""
    from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML
    from moto.s3.models import FakeMultipart, MultipartChecksumBuilder
    from moto.s3.utils import compute_checksum
    from moto.settings import S3_UPLOAD_PART_MIN_SIZE, get_s3_default_key_buffer_size
    from moto.utilities.utils import md5_hash

    original: Callable[..., Any] = FakeMultipart.complete
    if getattr(original, _MARK, False):
        return

    hash_values_as_stored()  # the new object takes the parts' file as its own (see JoinedParts)

    def complete(
        self: Any, body: Iterator[tuple[int, str]]
    ) -> tuple[bytes | JoinedParts, str, tuple[str, str, int] | None]:
        builder = MultipartChecksumBuilder(
            self.metadata.get("x-amz-checksum-algorithm"), self.metadata.get("x-amz-checksum-type")
        )
        incremental = (
            None if builder.checksum_type == "COMPOSITE" else _full_object_checksum(builder.checksum_algorithm)
        )
        if builder.checksum_type != "COMPOSITE" and incremental is None:
            moto_answer: tuple[bytes, str, tuple[str, str, int] | None] = original(self, body)
            return moto_answer  # a full-object checksum we cannot continue: moto's path
        joined = JoinedParts(tempfile.SpooledTemporaryFile(get_s3_default_key_buffer_size()))  # noqa: SIM115
        count = 0
        md5s = bytearray()
        composite = bytearray()
        running = 0
        last = None
        for number, etag in body:
            part = self.parts.get(number)
            if part is None or part.etag.replace('"', "") != etag.replace('"', ""):
                raise InvalidPart()
            if last is not None and last.contentsize < S3_UPLOAD_PART_MIN_SIZE:
                raise EntityTooSmall()
            md5s.extend(bytes.fromhex(part.etag.replace('"', "")))
            value = part.value
            joined.append(value)
            count += 1
            if incremental is None:
                composite.extend(compute_checksum(value, builder.checksum_algorithm, encode_base64=False))
            else:
                running = incremental[0](value, running)
            last = part
        if not count:
            raise MalformedXML
        full_etag = md5_hash()
        full_etag.update(bytes(md5s))
        if incremental is None:
            checksum = (
                "COMPOSITE",
                compute_checksum(bytes(composite), builder.checksum_algorithm).decode(),
                count,
            )
        else:
            digest = running.to_bytes(incremental[1], "big")
            checksum = (builder.checksum_type, binascii.b2a_base64(digest, newline=False).decode(), 1)
        return joined, f"{full_etag.hexdigest()}-{count}", checksum

    setattr(complete, _MARK, True)
    FakeMultipart.complete = complete  # type: ignore[method-assign, assignment]  # JoinedParts stands in for bytes


def hash_values_as_stored() -> None:
    """Objects up to :data:`IN_MEMORY_BYTES` in memory; MD5 from the stored bytes (idempotent)."""
    import os

    from moto.s3.models import FakeKey
    from moto.utilities.utils import md5_hash

    os.environ.setdefault(BUFFER_SIZE_ENV, str(IN_MEMORY_BYTES))  # read at each FakeKey's creation
    stored: property = FakeKey.value  # type: ignore[assignment]
    if getattr(stored.fset, _MARK, False):
        return

    def set_value(self: Any, new_value: bytes | JoinedParts) -> None:
        if isinstance(new_value, JoinedParts):
            self._value_buffer.close()
            self._value_buffer = new_value.buffer  # written once, by the completion
            self.contentsize = len(new_value)
            return
        stored.fset(self, new_value)  # type: ignore[misc]
        if self._etag is None and isinstance(new_value, bytes | bytearray):
            self._etag = md5_hash(new_value).hexdigest()  # what FakeKey.etag would read back

    setattr(set_value, _MARK, True)
    FakeKey.value = property(stored.fget, set_value)  # type: ignore[assignment, method-assign]
