"""CloudFront's cache semantics for the local edge (pure: no I/O, the clock is passed in).

* **TTL.** A cache policy gives ``MinTTL``/``DefaultTTL``/``MaxTTL``. An object whose
  ``Cache-Control`` names ``s-maxage`` or ``max-age`` is kept that long, clamped to
  ``[MinTTL, MaxTTL]``; ``no-store``/``no-cache``/``private`` mean ``MinTTL``; no header
  means ``DefaultTTL`` (as CloudFront documents for its cache policies).
* **Cache key.** The path only: the managed ``CachingOptimized`` policy puts no query
  string, header or cookie in the key, so every signed URL of a path shares one entry.
* **Invalidation.** A path is dropped when an invalidation path equals it or, ending in
  ``*``, is a prefix of it (CloudFront allows ``*`` only at the end).
* **Conditional requests.** ``If-None-Match`` (when present it decides alone, as RFC 9110
  says), else ``If-Modified-Since``, answer ``304``.

A fetch that started before an invalidation was applied is served but not stored: it may
carry the bytes the invalidation was meant to drop (see :meth:`EdgeCache.store`). Like an
edge location, the cache holds a bounded number of bytes and evicts the least recently used
objects first.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Final
from urllib.parse import unquote

DEFAULT_CAPACITY_BYTES: Final = 256 * 1024 * 1024
HIT: Final = "Hit from cloudfront"
MISS: Final = "Miss from cloudfront"
_DIRECTIVE = re.compile(r"^\s*([A-Za-z-]+)\s*(?:=\s*\"?(\d+)\"?)?\s*$")
_NO_REUSE = frozenset({"no-store", "no-cache", "private"})


@dataclass(frozen=True)
class CachePolicyTtls:
    """The TTL bounds (seconds) of a CloudFront cache policy."""

    min_ttl: float
    default_ttl: float
    max_ttl: float

    def capped(self, ceiling: float | None) -> CachePolicyTtls:
        """These bounds under a lower ``MaxTTL`` (CloudFront requires min <= default <= max)."""
        if ceiling is None or ceiling >= self.max_ttl:
            return self
        return CachePolicyTtls(min(self.min_ttl, ceiling), min(self.default_ttl, ceiling), ceiling)


CACHING_OPTIMIZED: Final = CachePolicyTtls(1, 86_400, 31_536_000)
CACHING_DISABLED: Final = CachePolicyTtls(0, 0, 0)
MANAGED_POLICIES: Final = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": CACHING_OPTIMIZED,  # Managed-CachingOptimized
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": CACHING_OPTIMIZED,  # ...ForUncompressedObjects
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": CACHING_DISABLED,  # Managed-CachingDisabled
}
"""AWS-managed cache policies by id (they exist in every account, not in the template)."""


def ttl_for(policy: CachePolicyTtls, cache_control: str | None) -> float:
    """How long CloudFront keeps an object with this ``Cache-Control`` under ``policy``."""
    directives: dict[str, int | None] = {}
    for part in (cache_control or "").split(","):
        match = _DIRECTIVE.match(part)
        if match:
            name, seconds = match.groups()
            directives[name.lower()] = int(seconds) if seconds is not None else None
    if _NO_REUSE & directives.keys():
        return policy.min_ttl
    age = directives.get("s-maxage", directives.get("max-age"))
    if age is None:
        return policy.default_ttl
    return float(min(max(age, policy.min_ttl), policy.max_ttl))


def invalidation_matches(invalidation_path: str, path: str) -> bool:
    """Does a CreateInvalidation path (``/a/b`` or ``/a/*``) cover the cached ``path``?"""
    wanted, cached = unquote(invalidation_path), unquote(path)
    if wanted.endswith("*"):
        return cached.startswith(wanted[:-1])
    return cached == wanted


@dataclass(frozen=True)
class CachedObject:
    """One cached GET answer of the origin: status 200, its headers and whole body."""

    body: bytes
    headers: dict[str, str]
    stored_at: float
    ttl: float

    def fresh(self, now: float) -> bool:
        return now - self.stored_at < self.ttl

    def age(self, now: float) -> int:
        """The ``Age`` header: whole seconds since the edge fetched it."""
        return max(0, int(now - self.stored_at))

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


def not_modified(cached: CachedObject, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """Whether a conditional GET of ``cached`` is answered ``304``."""
    etag = cached.header("ETag")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        offered = {_weak_stripped(tag) for tag in if_none_match.split(",")}
        return etag is not None and _weak_stripped(etag) in offered
    last_modified = cached.header("Last-Modified")
    if if_modified_since is None or last_modified is None:
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False  # an unparsable date is ignored, as RFC 9110 says


def _weak_stripped(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


@dataclass
class EdgeCache:
    """Cached objects by path (least recently used first), with the invalidation epoch."""

    capacity_bytes: int = DEFAULT_CAPACITY_BYTES
    _entries: OrderedDict[str, CachedObject] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _bytes: int = 0
    epoch: int = 0
    """Bumped by every applied invalidation; a fetch records it before going to the origin."""

    def lookup(self, path: str, now: float) -> CachedObject | None:
        """The fresh cached object of ``path``; an expired one is dropped."""
        with self._lock:
            cached = self._entries.get(path)
            if cached is None:
                return None
            if cached.fresh(now):
                self._entries.move_to_end(path)
                return cached
            self._drop(path)
            return None

    def store(self, path: str, cached: CachedObject, fetched_in_epoch: int) -> bool:
        """Keep ``cached`` unless an invalidation was applied since its fetch began.

        That fetch may have read the origin before the change the invalidation announces;
        storing it would serve the old bytes until the TTL.
        """
        if cached.ttl <= 0 or len(cached.body) > self.capacity_bytes:
            return False
        with self._lock:
            if self.epoch != fetched_in_epoch:
                return False
            if path in self._entries:
                self._drop(path)
            self._entries[path] = cached
            self._bytes += len(cached.body)
            while self._bytes > self.capacity_bytes:
                self._drop(next(iter(self._entries)))
            return True

    def invalidate(self, paths: list[str]) -> list[str]:
        """Drop every cached path an invalidation path covers; returns the dropped ones."""
        with self._lock:
            self.epoch += 1
            dropped = [p for p in self._entries if any(invalidation_matches(i, p) for i in paths)]
            for path in dropped:
                self._drop(path)
            return dropped

    def _drop(self, path: str) -> None:
        self._bytes -= len(self._entries.pop(path).body)

    def __len__(self) -> int:
        return len(self._entries)
