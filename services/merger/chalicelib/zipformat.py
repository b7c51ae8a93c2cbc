"""ZIP structures as bytes (APPNOTE 6.3.x): local headers, central directory, end records.

Pure functions: the merger knows every size and CRC before it writes a byte (the chunks
are done), so entries never need a data descriptor. ZIP64 fields are written when a value
reaches ``zip64_threshold`` (0xFFFFFFFF, the format's limit; tests lower it to force
ZIP64 on small archives), and the ZIP64 end records when the entry count, the central
directory's size or its offset needs them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

ZIP64_LIMIT = 0xFFFFFFFF
_MAX_ENTRIES = 0xFFFF
METHOD_DEFLATE = 8

_LOCAL_SIGNATURE = 0x04034B50
_CENTRAL_SIGNATURE = 0x02014B50
_ZIP64_END_SIGNATURE = 0x06064B50
_ZIP64_LOCATOR_SIGNATURE = 0x07064B50
_END_SIGNATURE = 0x06054B50
_ZIP64_EXTRA_ID = 0x0001
_VERSION_PLAIN = 20  # deflate
_VERSION_ZIP64 = 45
_MADE_BY_UNIX = 3 << 8
_FLAG_UTF8 = 1 << 11
_UNIX_FILE_MODE = 0o100644 << 16  # regular file, rw-r--r--


@dataclass(frozen=True)
class Entry:
    """One file in the archive, with everything its headers say about it."""

    name: str
    crc32: int
    compressed_size: int
    uncompressed_size: int
    offset: int
    """Where the entry's local header starts in the archive."""
    modified: datetime
    method: int = METHOD_DEFLATE


def dos_datetime(moment: datetime) -> tuple[int, int]:
    """MS-DOS ``(time, date)`` fields; DOS dates start in 1980 and count seconds by two."""
    year = max(moment.year, 1980)
    time = (moment.hour << 11) | (moment.minute << 5) | (moment.second // 2)
    date = ((year - 1980) << 9) | (moment.month << 5) | moment.day
    return time, date


def _name_and_flags(name: str) -> tuple[bytes, int]:
    encoded = name.encode("utf-8")
    return encoded, (_FLAG_UTF8 if not name.isascii() else 0)


def _sizes_need_zip64(entry: Entry, threshold: int) -> bool:
    return entry.compressed_size >= threshold or entry.uncompressed_size >= threshold


def local_header(entry: Entry, *, zip64_threshold: int = ZIP64_LIMIT) -> bytes:
    """The local file header that precedes the entry's compressed bytes."""
    name, flags = _name_and_flags(entry.name)
    time, date = dos_datetime(entry.modified)
    zip64 = _sizes_need_zip64(entry, zip64_threshold)
    # A ZIP64 local header must carry both sizes in its extra field (APPNOTE 4.5.3).
    extra = struct.pack("<HHQQ", _ZIP64_EXTRA_ID, 16, entry.uncompressed_size, entry.compressed_size) if zip64 else b""
    return (
        struct.pack(
            "<IHHHHHIIIHH",
            _LOCAL_SIGNATURE,
            _VERSION_ZIP64 if zip64 else _VERSION_PLAIN,
            flags,
            entry.method,
            time,
            date,
            entry.crc32,
            ZIP64_LIMIT if zip64 else entry.compressed_size,
            ZIP64_LIMIT if zip64 else entry.uncompressed_size,
            len(name),
            len(extra),
        )
        + name
        + extra
    )


def _central_header(entry: Entry, threshold: int) -> bytes:
    name, flags = _name_and_flags(entry.name)
    time, date = dos_datetime(entry.modified)
    big_sizes = _sizes_need_zip64(entry, threshold)
    big_offset = entry.offset >= threshold
    # The ZIP64 extra lists, in this fixed order, exactly the fields whose header value
    # is 0xFFFFFFFF (APPNOTE 4.5.3); readers pair them up by that rule.
    values: list[int] = []
    if big_sizes:
        values += [entry.uncompressed_size, entry.compressed_size]
    if big_offset:
        values.append(entry.offset)
    extra = struct.pack(f"<HH{len(values)}Q", _ZIP64_EXTRA_ID, 8 * len(values), *values) if values else b""
    version = _VERSION_ZIP64 if values else _VERSION_PLAIN
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            _CENTRAL_SIGNATURE,
            _MADE_BY_UNIX | _VERSION_ZIP64,
            version,
            flags,
            entry.method,
            time,
            date,
            entry.crc32,
            ZIP64_LIMIT if big_sizes else entry.compressed_size,
            ZIP64_LIMIT if big_sizes else entry.uncompressed_size,
            len(name),
            len(extra),
            0,  # comment length
            0,  # disk number start
            0,  # internal attributes
            _UNIX_FILE_MODE,
            ZIP64_LIMIT if big_offset else entry.offset,
        )
        + name
        + extra
    )


def central_directory(entries: list[Entry], offset: int, *, zip64_threshold: int = ZIP64_LIMIT) -> bytes:
    """The central directory starting at ``offset``, followed by the end record(s)."""
    directory = b"".join(_central_header(e, zip64_threshold) for e in entries)
    count, size = len(entries), len(directory)
    zip64 = count >= _MAX_ENTRIES or size >= zip64_threshold or offset >= zip64_threshold
    end = b""
    if zip64:
        zip64_end_offset = offset + size
        end += struct.pack(
            "<IQHHIIQQQQ",
            _ZIP64_END_SIGNATURE,
            44,  # size of the rest of this record
            _MADE_BY_UNIX | _VERSION_ZIP64,
            _VERSION_ZIP64,
            0,
            0,
            count,
            count,
            size,
            offset,
        )
        end += struct.pack("<IIQI", _ZIP64_LOCATOR_SIGNATURE, 0, zip64_end_offset, 1)
    end += struct.pack(
        "<IHHHHIIH",
        _END_SIGNATURE,
        0,
        0,
        min(count, _MAX_ENTRIES) if not zip64 else _MAX_ENTRIES,
        min(count, _MAX_ENTRIES) if not zip64 else _MAX_ENTRIES,
        ZIP64_LIMIT if zip64 else size,
        ZIP64_LIMIT if zip64 else offset,
        0,
    )
    return directory + end
