"""The local CDN edge: plays CloudFront in front of the emulator's artifacts bucket.

``GET http://127.0.0.1:8080/artifacts/...?Expires=...&Signature=...&Key-Pair-Id=...``
(port + the stack's offset) answers as the distribution would:

* the signed URL is checked exactly as CloudFront checks it (canned or custom policy,
  SHA1withRSA signature under a public key of the distribution's trusted key groups,
  expiry, key pair id) by :class:`circulion.cdn_signing.CdnUrlVerifier`; anything wrong is
  a ``403`` with CloudFront's XML error body;
* the URL checked is the edge's own base URL plus the request target, never the client's
  ``Host``; the key served comes from the same reading of the target
  (:func:`circulion_local.edge_target.resolve_target`), whose path must be the canonical
  CDN path of that key, so the two cannot disagree; the object is streamed in 64 KiB
  pieces, never held whole, with ``ETag``, ``Content-Length``, ``Last-Modified`` and ``Accept-Ranges``;
* a single ``Range`` gets ``206`` with ``Content-Range``, an unsatisfiable one ``416``;
  several ranges or a malformed header (a number of thousands of digits included) are
  ignored (``200``), as RFC 9110 allows;
* any method but ``GET`` and ``HEAD`` gets ``403`` with CloudFront's XML, as a
  distribution whose allowed methods are those two answers.

* verified GETs and HEADs are cached as CloudFront caches them (TTL from the cache policy
  and ``Cache-Control``, ``X-Cache``/``Age``, 304s, invalidations made on the emulator's
  distribution applied before each answer): :mod:`circulion_local.edge_cached_origin`.

Trusted public keys come from the emulator's CloudFront (:mod:`circulion_local.edge_keys`).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from circulion.cdn_signing import SignedUrlError
from circulion.settings import RESOURCES
from circulion_local.edge_cached_origin import CachingOrigin, EdgeAnswer
from circulion_local.edge_cookies import url_to_verify
from circulion_local.edge_distribution import EdgeSettings, caching_origin
from circulion_local.edge_keys import TrustedKeys
from circulion_local.edge_target import resolve_target
from circulion_local.ports import HOST, LOCAL_ACCESS_KEY, LOCAL_REGION, LOCAL_SECRET_KEY, LocalPorts, Stoppable

STREAM_CHUNK = 64 * 1024
# 19 digits reach past any object; a longer number is "unparseable" and the header ignored
# (RFC 9110 allows it), rather than handed to int(), whose digit limit dropped the connection.
_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")
ALLOWED_METHODS = ("GET", "HEAD")  # the distribution's AllowedMethods

_log = logging.getLogger("circulion.edge")


class RangeNotSatisfiable(Exception):
    """The requested range starts beyond the object's end."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range a ``Range`` header asks of a ``size``-byte object.

    ``None`` means "serve the whole object" (no header, a malformed one, or several
    ranges); :class:`RangeNotSatisfiable` means ``416``.
    """
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix range: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(header)
    return start, min(end, size - 1)


def error_document(code: str, message: str) -> bytes:
    """CloudFront's (and S3's) XML error body."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
    ).encode()


@dataclass(frozen=True)
class Origin:
    """The artifacts bucket on the emulator."""

    s3: Any
    bucket: str


class EdgeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], keys: TrustedKeys, origin: Origin, cached: CachingOrigin | None = None
    ) -> None:
        super().__init__(address, EdgeHandler)
        self.keys = keys
        self.origin = origin
        self.cached = cached

    @property
    def base_url(self) -> str:
        """The edge's own address: signed URLs are verified against it, never the client's ``Host``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class EdgeHandler(BaseHTTPRequestHandler):
    server: EdgeServer
    protocol_version = "HTTP/1.1"
    server_version = "CloudFront"

    def do_GET(self) -> None:
        self._serve(with_body=True)

    def do_HEAD(self) -> None:
        self._serve(with_body=False)

    def __getattr__(self, name: str) -> Any:
        # http.server answers a method without a do_<METHOD> with 501 and HTML; CloudFront
        # answers a method the distribution does not allow with 403 and XML.
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def _method_not_allowed(self) -> None:
        self.close_connection = True  # any request body is left unread
        self._error(
            403,
            "MethodNotAllowed",
            "This distribution is not configured to allow the HTTP request method that was used for this "
            f"request. The distribution supports only {', '.join(ALLOWED_METHODS)}.",
            with_body=True,
            extra={"Allow": ", ".join(ALLOWED_METHODS)},
        )

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("edge %s - %s", self.address_string(), format % args)

    def _serve(self, *, with_body: bool) -> None:
        try:
            # One reading of the target gives both what is verified and what is served.
            target = resolve_target(self.path, self.server.base_url)
            self.server.keys.verify(url_to_verify(target.url, self.headers.get("Cookie")), self.client_address[0])
        except SignedUrlError as exc:
            self._error(exc.status, exc.code, exc.message, with_body)
            return
        key = target.key
        answer = self.server.cached.answer(key, self.headers) if self.server.cached else None
        if answer is not None:  # verified above, hit or miss: the cache never skips the check
            self._answer(answer, with_body)
            return
        origin = self.server.origin
        try:
            head = origin.s3.head_object(Bucket=origin.bucket, Key=key)
        except ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 502))
            if status == 404:
                self._error(404, "NoSuchKey", "The specified key does not exist.", with_body)
            else:
                self._error(502, "OriginError", f"origin answered {status}", with_body)
            return
        size = int(head["ContentLength"])
        etag = str(head.get("ETag", ""))
        if etag and self.headers.get("If-None-Match") == etag:
            self._start(304, {"ETag": etag})
            return
        try:
            wanted = parse_range(self.headers.get("Range"), size)
        except RangeNotSatisfiable:
            self._error(
                416,
                "InvalidRange",
                "The requested range is not satisfiable",
                with_body,
                {"Content-Range": f"bytes */{size}"},
            )
            return
        start, end = wanted if wanted is not None else (0, size - 1)
        headers = {
            "Content-Type": head.get("ContentType") or "application/octet-stream",
            "Content-Length": str(end - start + 1 if size else 0),
            "ETag": etag,
            "Accept-Ranges": "bytes",
            "Last-Modified": self.date_time_string(head["LastModified"].timestamp()),
            "X-Cache": "Miss from cloudfront",
        }
        if wanted is not None:
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        self._start(206 if wanted is not None else 200, headers)
        if with_body and size:
            self._stream(origin, key, start, end)

    def _stream(self, origin: Origin, key: str, start: int, end: int) -> None:
        body = origin.s3.get_object(Bucket=origin.bucket, Key=key, Range=f"bytes={start}-{end}")["Body"]
        try:
            for piece in body.iter_chunks(STREAM_CHUNK):
                self.wfile.write(piece)
        except (BrokenPipeError, ConnectionResetError):
            _log.debug("client went away during %s", key)
            self.close_connection = True
        finally:
            body.close()

    def _answer(self, answer: EdgeAnswer, with_body: bool) -> None:
        self._start(answer.status, answer.headers)
        if with_body and answer.body:
            self.wfile.write(answer.body)

    def _start(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status == 304:
            self.send_header("Content-Length", "0")
        self.end_headers()

    def _error(
        self, status: int, code: str, message: str, with_body: bool, extra: dict[str, str] | None = None
    ) -> None:
        body = error_document(code, message)
        self._start(status, {"Content-Type": "text/xml", "Content-Length": str(len(body)), **(extra or {})})
        if with_body:
            self.wfile.write(body)


class RunningEdge:
    """The edge's server thread; :meth:`stop` shuts it down and frees the port."""

    def __init__(self, server: EdgeServer) -> None:
        self.server = server
        self._thread = threading.Thread(target=server.serve_forever, name="circulion-edge", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)


def start(ports: LocalPorts, state_dir: Path) -> Stoppable:
    """Start the edge on ``ports.edge`` in front of the emulator at ``ports.endpoint_url``.

    ``state_dir`` is unused: everything the edge trusts comes from the emulator, as
    CloudFront's comes from the distribution.
    """
    session = boto3.session.Session(
        aws_access_key_id=LOCAL_ACCESS_KEY, aws_secret_access_key=LOCAL_SECRET_KEY, region_name=LOCAL_REGION
    )
    config = Config(s3={"addressing_style": "path"}, max_pool_connections=32)
    s3 = session.client("s3", endpoint_url=ports.endpoint_url, config=config)
    cloudfront = session.client("cloudfront", endpoint_url=ports.endpoint_url)
    cached = caching_origin(cloudfront, s3, RESOURCES.artifacts_bucket, EdgeSettings.from_env())
    server = EdgeServer((HOST, ports.edge), TrustedKeys(cloudfront), Origin(s3, RESOURCES.artifacts_bucket), cached)
    _log.info("edge serving %s on http://%s:%d", RESOURCES.artifacts_bucket, HOST, ports.edge)
    return RunningEdge(server)
