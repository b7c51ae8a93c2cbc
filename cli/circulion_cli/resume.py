"""What a multipart upload has already sent, kept on disk so a rerun continues it.

The upload API cannot list the parts already in S3, so the client remembers them: after
every stored part the state file is rewritten atomically with the part's ETag. The file
is keyed by the local file's path, size, mtime and SHA-256, so an edited file never
resumes into a stale upload.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class UploadState(BaseModel):
    """One interrupted multipart upload."""

    model_config = ConfigDict(extra="ignore")

    api_url: str
    recipe_id: str
    upload_id: str
    part_size: int = Field(gt=0)
    part_count: int = Field(gt=0)
    size: int = Field(ge=0)
    sha256: str
    path: str
    parts: dict[int, str] = Field(default_factory=dict, description="part number -> ETag")

    def missing_parts(self) -> list[int]:
        return [n for n in range(1, self.part_count + 1) if n not in self.parts]


@dataclass(frozen=True)
class FileIdentity:
    """What makes two runs of ``circulion upload`` the same upload."""

    path: Path
    size: int
    mtime_ns: int
    sha256: str

    @property
    def key(self) -> str:
        raw = f"{self.path.resolve()}\0{self.size}\0{self.mtime_ns}\0{self.sha256}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


class ResumeStore:
    """Upload states as JSON files in one directory (a user cache dir by default)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, identity: FileIdentity) -> Path:
        return self.directory / f"{identity.key}.json"

    def load(self, identity: FileIdentity) -> UploadState | None:
        path = self.path_for(identity)
        try:
            return UploadState.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (ValidationError, OSError):
            # A corrupt state only costs a fresh upload; never block the user on it.
            path.unlink(missing_ok=True)
            return None

    def save(self, identity: FileIdentity, state: UploadState) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".state-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(state.model_dump_json().encode())
            # Atomic: a kill mid-write leaves the previous state, never half a file.
            Path(tmp).replace(self.path_for(identity))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self, identity: FileIdentity) -> None:
        self.path_for(identity).unlink(missing_ok=True)


def default_cache_dir(environ: dict[str, str]) -> Path:
    """``$XDG_CACHE_HOME/circulion/uploads`` (``~/.cache/...`` when unset)."""
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "circulion" / "uploads"
