"""ZIP archives shaped like the merger's, for the fake's downloads and the tests' expectations."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile


def recipe_archive(file_name: str, data: bytes, *, manifest_sha256: str | None = None) -> bytes:
    """A ZIP shaped like the merger's: the recipe file and a manifest describing it."""
    manifest = {"file": {"name": file_name, "size_bytes": len(data), "sha256": manifest_sha256 or _sha(data)}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(file_name, data)
        bundle.writestr("manifest.json", json.dumps(manifest))
    return buffer.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
