"""``circulion pull``: the robot's side. The live version of a name, polled at the edge.

One API call (``GET /names/{name}/latest``) gives the live version and an edge credential
(a CloudFront custom policy over the name's paths); from then on the robot asks only the
CDN: a conditional GET of the name's ``latest.json``, answered ``304`` from the edge cache
while nothing changed. When the pointer names another archive, the archive is downloaded
from the edge with the same credential, its SHA-256 checked, and the file replaced
atomically: the new bytes land in a temporary file beside it and are renamed over it, the
previous file is kept as ``FILE.prev``. A download that does not verify leaves FILE as it
was. The credential is renewed (one more API call) before it expires.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from circulion_cli.errors import ChecksumMismatch, ClientError, NotFound, UnexpectedResponse
from circulion_cli.files import sha256_file
from circulion_cli.fleet_models import EdgeCredential, LatestVersion, Pointer
from circulion_cli.transport import HttpResponse, Sink, Transport

DEFAULT_MODE = 0o644
RENEW_MARGIN = timedelta(minutes=5)
"""Renew a credential this long before it expires (or at 4/5 of a shorter lifetime)."""


class EdgeUnavailable(ClientError):
    """The edge answered 5xx (its origin failed, or it is restarting); worth another poll."""

    code = "edge_unavailable"


class EdgeRefused(ClientError):
    """The edge refused the credential even right after it was renewed."""

    code = "edge_refused"


@dataclass(frozen=True)
class Check:
    """One poll of the pointer at the edge and what it did to the file."""

    status: int
    """The edge's answer: 200 (a pointer), 304 (unchanged), 404 (no live version)."""
    x_cache: str | None
    pointer: Pointer | None
    replaced: bool
    previous: Pointer | None = None
    """The pointer the replaced file came from, when this process saw it."""
    previous_sha256: str | None = None
    """The SHA-256 of the file that was replaced (now ``FILE.prev``)."""

    def as_json(self, name: str, dest: Path) -> dict[str, object]:
        live = self.pointer
        return {
            "name": name,
            "version": live.version if live else None,
            "recipe_id": live.recipe_id if live else None,
            "sha256": live.sha256 if live else None,
            "path": str(dest),
            "replaced": self.replaced,
            "previous_version": self.previous.version if self.previous else None,
            "previous_sha256": self.previous_sha256,
            "edge_status": self.status,
            "edge_cache": self.x_cache,
        }


class LatestSource(Protocol):
    """Where credentials come from: ``CirculionClient.latest`` (a port for tests)."""

    def latest(self, name: str) -> LatestVersion: ...


class Puller:
    """Keeps ``dest`` at the live version of ``name``, polling the edge."""

    def __init__(
        self,
        api: LatestSource,
        name: str,
        dest: Path,
        transport: Transport,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._api = api
        self.name = name
        self.dest = dest
        self._transport = transport
        self._clock = clock
        self._credential: EdgeCredential | None = None
        self._renew_at = datetime.min.replace(tzinfo=UTC)
        self._pointer_etag: str | None = None
        self.current: Pointer | None = None
        """The pointer whose archive ``dest`` holds (once a poll has shown it)."""
        self.renewals = 0

    def check(self) -> Check:
        """Poll the pointer once; download and install a changed archive."""
        response = self._poll_pointer()
        x_cache = response.header("X-Cache")
        if response.status == 304 and self.current is not None:
            return Check(304, x_cache, self.current, replaced=False)
        if response.status == 404:
            self._pointer_etag = None
            return Check(404, x_cache, None, replaced=False)
        if response.status != 200:
            raise _edge_error(response.status, f"{self.name}'s pointer")
        try:
            pointer = Pointer.model_validate_json(response.body)
        except ValueError as exc:
            raise UnexpectedResponse(f"{self.name}'s pointer is not a pointer document: {exc}") from exc
        previous = self.current
        held = self._held_sha256()
        replaced = held != pointer.sha256
        if replaced:
            self._download(pointer)
        self.current = pointer
        self._pointer_etag = response.header("ETag")
        if not replaced:
            return Check(200, x_cache, pointer, replaced=False)
        return Check(200, x_cache, pointer, replaced=True, previous=previous, previous_sha256=held)

    def _held_sha256(self) -> str | None:
        """The SHA-256 of what ``dest`` holds (``None``: no file yet)."""
        if self.current is not None and self.dest.is_file():
            return self.current.sha256  # installed by this process, verified then
        return sha256_file(self.dest) if self.dest.is_file() else None

    def _poll_pointer(self) -> HttpResponse:
        credential = self._fresh_credential()
        headers = {"If-None-Match": self._pointer_etag} if self._pointer_etag and self.current else {}
        response = self._transport.request("GET", credential.pointer_url, headers=headers)
        if response.status == 403:  # revoked key, clock skew: one renewal, then give up
            credential = self._renew()
            response = self._transport.request("GET", credential.pointer_url, headers=headers)
            if response.status == 403:
                raise EdgeRefused(f"the edge refused a fresh credential for {self.name} (HTTP 403)")
        return response

    def _fresh_credential(self) -> EdgeCredential:
        if self._credential is None or self._clock() >= self._renew_at:
            try:
                return self._renew()
            except NotFound:
                if self._credential is None or self._clock() >= self._credential.expires_at:
                    raise
                # Nothing is live right now, but the old credential still reads the pointer.
        return self._credential

    def _renew(self) -> EdgeCredential:
        latest = self._api.latest(self.name)
        now = self._clock()
        credential = latest.edge
        lifetime = credential.expires_at - now
        self._renew_at = credential.expires_at - min(RENEW_MARGIN, lifetime / 5)
        self._credential = credential
        self.renewals += 1
        return credential

    def _download(self, pointer: Pointer) -> None:
        credential = self._fresh_credential()
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.dest.parent, prefix=f".{self.dest.name}.", delete=False) as handle:
            tmp = Path(handle.name)
            sink = _Hashing(handle)
            try:
                response = self._transport.stream(credential.url_of(pointer.cdn_path), sink)
            except ClientError:
                tmp.unlink(missing_ok=True)
                raise
        if not 200 <= response.status < 300:
            tmp.unlink(missing_ok=True)
            raise _edge_error(response.status, f"{self.name} {pointer.version}")
        digest = sink.digest.hexdigest()
        if sink.size != pointer.size or digest != pointer.sha256:
            tmp.unlink(missing_ok=True)
            raise ChecksumMismatch(
                f"{self.name} {pointer.version}: got {sink.size} bytes with sha256 {digest}, the pointer says "
                f"{pointer.size} bytes {pointer.sha256}; {self.dest} left as it was"
            )
        install(tmp, self.dest)


def _edge_error(status: int, what: str) -> ClientError:
    if status >= 500:
        return EdgeUnavailable(f"edge answered HTTP {status} for {what}")
    return UnexpectedResponse(f"edge answered HTTP {status} for {what}")


def previous_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".prev")


def install(new: Path, dest: Path) -> None:
    """Rename ``new`` over ``dest``, keeping the old ``dest`` as ``dest.prev``.

    ``dest`` exists throughout (old bytes, then new): a robot reading it never sees it
    missing or half-written. The old file is hard-linked to the side first (copied where
    the file system cannot link), then the rename replaces the name atomically. The new
    file gets the old one's permissions (a first one: 0644), not the temporary file's 0600.
    """
    os.chmod(new, dest.stat().st_mode & 0o7777 if dest.is_file() else DEFAULT_MODE)
    if dest.is_file():
        staged = dest.with_name(f".{dest.name}.prev.tmp")
        staged.unlink(missing_ok=True)
        try:
            os.link(dest, staged)
        except OSError:
            shutil.copy2(dest, staged)
        os.replace(staged, previous_path(dest))
    os.replace(new, dest)


class _Hashing:
    def __init__(self, handle: Sink) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, block: bytes) -> int:
        self.digest.update(block)
        self.size += len(block)
        return self._handle.write(block)
