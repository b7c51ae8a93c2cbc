"""HTTP over the standard library, behind a small port so tests can count and fail requests.

urllib is enough here: no new dependency for a client customers install. Bodies may be
file-like (read in blocks by ``http.client``) so a part is streamed from disk instead of
being held in memory.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Protocol

from circulion_cli.errors import ConnectionFailed

DEFAULT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


class Readable(Protocol):
    """A body read in blocks (a file, or a byte range of one)."""

    def read(self, size: int = -1, /) -> bytes: ...


class Sink(Protocol):
    """Where a streamed body goes (a binary file, or a wrapper that hashes on the way)."""

    def write(self, block: bytes, /) -> int: ...


class Transport(Protocol):
    """Port: send one request and return the response, whatever its status."""

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | Readable | None = None,
    ) -> HttpResponse:
        """Raises :class:`ConnectionFailed` only when no HTTP response arrived."""
        ...

    def stream(self, url: str, sink: Sink, *, block_size: int = 1 << 20) -> HttpResponse:
        """GET ``url`` writing a 2xx body to ``sink`` block by block; the body is left empty."""
        ...


class UrllibTransport:
    """:class:`Transport` on ``urllib.request`` (a fresh connection per request)."""

    def __init__(self, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self._timeout_s = timeout_s

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes | Readable | None = None,
    ) -> HttpResponse:
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310 - http(s) URLs from config or the API
        try:
            with urllib.request.urlopen(req, timeout=self._timeout_s) as resp:  # noqa: S310
                return HttpResponse(resp.status, resp.read(), dict(resp.headers.items()))
        except urllib.error.HTTPError as exc:
            with exc:
                return HttpResponse(exc.code, exc.read(), dict(exc.headers.items()))
        except (urllib.error.URLError, OSError) as exc:
            raise ConnectionFailed(f"{method} {_origin(url)} failed: {_reason(exc)}") from exc

    def stream(self, url: str, sink: Sink, *, block_size: int = 1 << 20) -> HttpResponse:
        req = urllib.request.Request(url, method="GET")  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=self._timeout_s) as resp:  # noqa: S310
                while block := resp.read(block_size):
                    sink.write(block)
                return HttpResponse(resp.status, b"", dict(resp.headers.items()))
        except urllib.error.HTTPError as exc:
            with exc:
                return HttpResponse(exc.code, exc.read(), dict(exc.headers.items()))
        except (urllib.error.URLError, OSError) as exc:
            raise ConnectionFailed(f"GET {_origin(url)} failed: {_reason(exc)}") from exc


def _origin(url: str) -> str:
    # Presigned URLs carry credentials in the query string: never print them.
    return url.split("?", 1)[0]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def path_segment(segment: str) -> str:
    """``segment`` quoted for one path segment of an API URL (a ``/`` in it stays inside)."""
    return urllib.parse.quote(segment, safe="")
