"""The edge's cached answers: a hit from the cache, or a miss fetched whole and kept.

Only whole-object GETs and HEADs of objects up to :data:`MAX_CACHED_BYTES` go through the
cache (pointers and recipe archives of the stack tests); a ``Range`` request or a bigger
object is streamed from the origin uncached by the edge itself, so memory stays bounded.
The caller has verified the request's signature first: a cached object is never served
to an unsigned request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import format_datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError

from circulion_local.edge_cache import HIT, MISS, CachedObject, CachePolicyTtls, EdgeCache, not_modified, ttl_for

MAX_CACHED_BYTES = 16 * 1024 * 1024


class RequestHeaders(Protocol):
    def get(self, name: str, default: None = None, /) -> str | None: ...


class Invalidations(Protocol):
    def sync(self) -> None:
        """Apply the invalidations made since the last call."""
        ...


@dataclass(frozen=True)
class EdgeAnswer:
    """What the edge sends: status, headers (without ``Content-Length`` on a 304) and body."""

    status: int
    headers: dict[str, str]
    body: bytes


class CachingOrigin:
    """The artifacts bucket behind the edge cache."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        ttls: CachePolicyTtls,
        invalidations: Invalidations,
        cache: EdgeCache,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_object_bytes: int = MAX_CACHED_BYTES,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._ttls = ttls
        self._invalidations = invalidations
        self.cache = cache
        self._clock = clock
        self._max_object_bytes = max_object_bytes

    def answer(self, key: str, headers: RequestHeaders) -> EdgeAnswer | None:
        """The answer to a verified GET/HEAD of ``key``; ``None``: serve it uncached."""
        if headers.get("Range"):
            return None
        self._invalidations.sync()
        now = self._clock()
        path = "/" + key
        cached = self.cache.lookup(path, now)
        state = HIT
        if cached is None:
            state = MISS
            epoch = self.cache.epoch
            cached = self._fetch(key, now)
            if cached is None:
                return None
            self.cache.store(path, cached, epoch)
        extra = {"X-Cache": state}
        if state == HIT:
            extra["Age"] = str(cached.age(now))
        if not_modified(cached, headers.get("If-None-Match"), headers.get("If-Modified-Since")):
            kept = {k: v for k, v in cached.headers.items() if k in ("ETag", "Last-Modified", "Cache-Control")}
            return EdgeAnswer(304, {**kept, **extra}, b"")
        return EdgeAnswer(200, {**cached.headers, **extra}, cached.body)

    def _fetch(self, key: str, now: float) -> CachedObject | None:
        try:
            got = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError:
            return None  # the uncached path answers the origin's error as it always has
        body = got["Body"]
        try:
            if int(got["ContentLength"]) > self._max_object_bytes:
                return None
            data = bytes(body.read())
        finally:
            body.close()
        headers = {
            "Content-Type": got.get("ContentType") or "application/octet-stream",
            "Content-Length": str(len(data)),
            "ETag": str(got.get("ETag", "")),
            "Accept-Ranges": "bytes",
            "Last-Modified": format_datetime(got["LastModified"].astimezone(UTC), usegmt=True),
        }
        if got.get("CacheControl"):
            headers["Cache-Control"] = str(got["CacheControl"])
        return CachedObject(data, headers, now, ttl_for(self._ttls, got.get("CacheControl")))
