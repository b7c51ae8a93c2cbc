"""What a multipart upload has already sent, kept on disk so a rerun continues it.

The upload API cannot list the parts already in S3, so the client remembers them: after
every stored part the state file is rewritten atomically with the part's ETag. The file
is keyed by everything that identifies the upload: the local file (path, size, mtime,
SHA-256), so an edited file never resumes into a stale upload, and what it is uploaded as
(API, tenant, name, version, content type), so a rerun as another name is a new upload and
never publishes the bytes under the name of the interrupted one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
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
    tenant: str = ""
    name: str = ""
    version: str | None = None
    content_type: str = ""
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

    def same_file(self, state: UploadState) -> bool:
        return state.path == str(self.path.resolve()) and (state.size, state.sha256) == (self.size, self.sha256)


@dataclass(frozen=True)
class UploadTarget:
    """What a file is uploaded as; another target is another upload."""

    api_url: str
    tenant: str
    name: str
    version: str | None
    content_type: str

    def of(self, state: UploadState) -> UploadTarget:
        return UploadTarget(state.api_url, state.tenant, state.name, state.version, state.content_type)

    def describe(self) -> str:
        version = f"version {self.version}" if self.version else "the next version"
        tenant = f", tenant {self.tenant}" if self.tenant else ""
        return f"name {self.name!r}, {version}, {self.content_type or '?'}{tenant}, at {self.api_url}"


@dataclass(frozen=True)
class ResumeKey:
    """The file and the target: both must match for a run to continue an earlier one."""

    file: FileIdentity
    target: UploadTarget

    @property
    def key(self) -> str:
        f, t = self.file, self.target
        fields: tuple[object, ...] = (f.path.resolve(), f.size, f.mtime_ns, f.sha256)
        fields += (t.api_url, t.tenant, t.name, t.version, t.content_type)
        return hashlib.sha256("\0".join(str(x) for x in fields).encode()).hexdigest()[:32]


class ResumeStore:
    """Upload states as JSON files in one directory (a user cache dir by default)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, identity: ResumeKey) -> Path:
        return self.directory / f"{identity.key}.json"

    def others(self, identity: ResumeKey) -> list[UploadState]:
        """Interrupted uploads of the same file as something else (kept: they can still resume)."""
        found = []
        for path in sorted(self.directory.glob("*.json")) if self.directory.is_dir() else []:
            if path == self.path_for(identity):
                continue
            try:
                state = UploadState.model_validate_json(path.read_bytes())
            except (ValidationError, OSError):
                continue
            if identity.file.same_file(state):
                found.append(state)
        return found

    def load(self, identity: ResumeKey) -> UploadState | None:
        path = self.path_for(identity)
        try:
            return UploadState.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (ValidationError, OSError):
            # A corrupt state only costs a fresh upload; never block the user on it.
            path.unlink(missing_ok=True)
            return None

    def save(self, identity: ResumeKey, state: UploadState) -> None:
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

    def delete(self, identity: ResumeKey) -> None:
        self.path_for(identity).unlink(missing_ok=True)


def default_cache_dir(environ: dict[str, str]) -> Path:
    """``$XDG_CACHE_HOME/circulion/uploads`` (``~/.cache/...`` when unset)."""
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "circulion" / "uploads"


def token_tenant(token: str | None) -> str:
    """The tenant a bearer token names (read, not verified: it only keys local state)."""
    if not token or token.count(".") != 2:
        return ""
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return ""
    if not isinstance(claims, dict):
        return ""
    tenant = claims.get("custom:tenant") or claims.get("tenant") or claims.get("sub") or ""
    return str(tenant)
