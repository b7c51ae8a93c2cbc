"""S3 objects' bytes copied and hashed once, in the local emulator.

**Multipart completion.**
moto 5.2.5's ``FakeMultipart.complete`` appends every part to one ``bytearray``, appends
it again to a second one for the full-object checksum, then copies both into ``bytes``:
four copies of the whole object, plus a checksum over the last. Completing a 256 MiB
upload took 2.2 s of the emulator's only core (60 % of its time in the 256 MiB asset
benchmark; 1 GiB, ~6 s), and every large recipe is completed twice: the customer's
upload and the merger's archive. Here each part is read once and written into the file
the new object then keeps as its storage (:class:`.key_value.JoinedParts`), and the checksum is
computed part by part, which gives the same value (CRC-32 and CRC-64/NVME continue
across calls). The answer (body, ETag, checksum) is moto's own.

**Object storage.** moto keeps each object in a ``SpooledTemporaryFile`` that moves to
disk past 5 MiB — every part, segment and chunk went to a file, and its MD5 (the ETag,
computed on the first response) read it back. Objects up to :data:`IN_MEMORY_BYTES`
stay in memory now (parts and segments are 8 MiB; uploads and archives still spill to
disk), and the MD5 is taken from the bytes as they are stored.

Assumed: ``FakeMultipart.complete`` returns ``(body, etag, checksum)`` and moto assigns the body
to the new key's ``value`` (which adopts :class:`.key_value.JoinedParts`); CRC-32 and
CRC-64/NVME continue across calls.
"""

from __future__ import annotations

import binascii
import importlib
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from circulion_local.emulator import patches
from circulion_local.emulator.key_value import JoinedParts, patch_key_value

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


def join_parts_once() -> None:
    """Patch moto's multipart completion (once)."""
    from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML
    from moto.s3.models import FakeMultipart, MultipartChecksumBuilder
    from moto.s3.utils import compute_checksum
    from moto.settings import S3_UPLOAD_PART_MIN_SIZE, get_s3_default_key_buffer_size
    from moto.utilities.utils import md5_hash

    original: Callable[..., Any] = patches.original(FakeMultipart, "complete")
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

    patches.patch(FakeMultipart, "complete", complete)  # JoinedParts stands in for bytes


def hash_values_as_stored() -> None:
    """Objects up to :data:`IN_MEMORY_BYTES` in memory; MD5 from the stored bytes (once)."""
    import os

    os.environ.setdefault(BUFFER_SIZE_ENV, str(IN_MEMORY_BYTES))  # read at each FakeKey's creation
    patch_key_value()  # the setter adopts JoinedParts and hashes as it stores (:mod:`.key_value`)
