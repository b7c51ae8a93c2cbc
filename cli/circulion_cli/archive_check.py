"""What a downloaded archive holds, checked against its own manifest.

The API's SHA-256 covers the archive (the ZIP) as a whole; what a customer compares with is
the file they uploaded. ``manifest.json`` records that file's name, size and SHA-256, so
after the archive checks out the file inside is streamed once through SHA-256 (and
``zipfile``'s CRC-32) and compared with it: the line the CLI prints then names the file's
own SHA-256, the one ``circulion upload`` computed.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from circulion_cli.errors import ChecksumMismatch, UnexpectedResponse

MANIFEST = "manifest.json"
BLOCK = 1 << 20


@dataclass(frozen=True)
class ArchivedFile:
    name: str
    size: int
    sha256: str


def check_archived_file(archive: Path) -> ArchivedFile:
    """The recipe file inside ``archive``, its SHA-256 computed and equal to the manifest's."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            manifest = json.loads(bundle.read(MANIFEST))
            described = manifest["file"]
            name, size, expected = str(described["name"]), int(described["size_bytes"]), str(described["sha256"])
            digest = hashlib.sha256()
            with bundle.open(name) as entry:
                while block := entry.read(BLOCK):
                    digest.update(block)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise UnexpectedResponse(f"{archive} is not a recipe archive with a manifest: {exc}") from exc
    if digest.hexdigest() != expected:
        raise ChecksumMismatch(f"{name} inside {archive} has sha256 {digest.hexdigest()}, its manifest says {expected}")
    return ArchivedFile(name, size, expected)
