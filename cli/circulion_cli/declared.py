"""The name and version a recipe file declares about itself.

A recipe document carries ``name`` and ``version`` at its top level, a stream in its first
line. Uploading without ``--name`` uses them, so the recipe in the pipeline is called what
the file says it is, not after the file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from circulion_cli.sniff import DOCUMENT, STREAM

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""The API's cap on JSON documents; a larger one is refused before its name matters."""
MAX_HEADER_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Declared:
    name: str | None
    version: str | None


def declared_identity(path: Path, content_type: str) -> Declared | None:
    """What the recipe at ``path`` calls itself, or ``None`` (an asset, unreadable, no name)."""
    if content_type == DOCUMENT:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            return None
        document = _object(path.read_bytes())
    elif content_type == STREAM:
        with path.open("rb") as handle:
            document = _object(handle.readline(MAX_HEADER_BYTES))
    else:
        return None
    if document is None:
        return None
    name, version = document.get("name"), document.get("version")
    declared = Declared(name if isinstance(name, str) and name else None, version if isinstance(version, str) else None)
    return declared if declared.name is not None else None


def _object(data: bytes) -> dict[str, object] | None:
    try:
        value = json.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except (ValueError, RecursionError):
        return None  # broken JSON: validation will say why; the name comes from the file
    return value if isinstance(value, dict) else None
