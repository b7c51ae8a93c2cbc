"""The archive reference several messages share (kept apart so every event module can use it)."""

from __future__ import annotations

from pydantic import Field

from circulion.contracts.envelope import Payload
from circulion.identifiers import SHA256_HEX_LOWER, field_pattern


# A merged archive in the artifacts bucket. (No docstring: it would enter every snapshot.)
class ArtifactRef(Payload):
    bucket: str
    key: str
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=field_pattern(SHA256_HEX_LOWER))
    version_id: str | None = None
