"""What the local edge learns from the emulator's CloudFront: cache TTLs and invalidations.

The distribution's default cache behaviour names a cache policy (the template uses the
managed ``CachingOptimized``); its TTL bounds are read when the edge starts. Invalidations
are learned by listing the distribution's invalidations before every request is answered,
so the GET after a CreateInvalidation returned (the distributor emits
``recipe.distributed`` only after that) never sees a dropped path. CloudFront completes an
invalidation within seconds; the local one completes before the next request.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from circulion.settings import Settings
from circulion_local.edge_cache import CACHING_OPTIMIZED, MANAGED_POLICIES, CachePolicyTtls, EdgeCache
from circulion_local.edge_cached_origin import CachingOrigin

PAGE_SIZE = "10"
"""Small pages: each sync reads the last one again, so it costs ~1 ms, not ~20 (100 items)."""

_log = logging.getLogger("circulion.edge")


@dataclass(frozen=True)
class DistributionCaching:
    """The distribution the edge plays and its default behaviour's TTL bounds."""

    distribution_id: str
    ttls: CachePolicyTtls


def read_distribution(cloudfront: Any, bucket: str, max_ttl_s: float | None = None) -> DistributionCaching | None:
    """The id and cache policy TTLs (capped at ``max_ttl_s``) of the distribution in front
    of ``bucket`` (an extra template may add others), else of the first one."""
    items = cloudfront.list_distributions().get("DistributionList", {}).get("Items") or []
    if not items:
        return None
    in_front = [d for d in items if any(_serves(o, bucket) for o in d.get("Origins", {}).get("Items") or [])]
    distribution_id = str((in_front or items)[0]["Id"])
    behaviour = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]["DefaultCacheBehavior"]
    policy_id = str(behaviour.get("CachePolicyId") or "")
    ttls = MANAGED_POLICIES.get(policy_id) or _custom_policy(cloudfront, policy_id)
    return DistributionCaching(distribution_id, ttls.capped(max_ttl_s))


def _serves(origin: dict[str, Any], bucket: str) -> bool:
    return str(origin.get("DomainName", "")).split(".", 1)[0] == bucket


def _custom_policy(cloudfront: Any, policy_id: str) -> CachePolicyTtls:
    try:
        config = cloudfront.get_cache_policy(Id=policy_id)["CachePolicy"]["CachePolicyConfig"]
    except (ClientError, AttributeError, KeyError):
        _log.warning("cache policy %r unreadable: using CachingOptimized's TTLs", policy_id)
        return CACHING_OPTIMIZED
    return CachePolicyTtls(float(config["MinTTL"]), float(config["DefaultTTL"]), float(config["MaxTTL"]))


class InvalidationFeed:
    """Applies the distribution's new invalidations to the edge cache.

    Invalidations that exist when the edge starts are taken as done (the cache is empty).
    The emulator lists invalidations oldest first and only ever appends, so a full page
    never changes: each sync starts at the last page not yet full, one small call however
    many invalidations a long session made (CloudFront itself lists newest first).
    """

    def __init__(self, cloudfront: Any, distribution_id: str, cache: EdgeCache) -> None:
        self._cloudfront = cloudfront
        self._distribution_id = distribution_id
        self._cache = cache
        self._lock = threading.Lock()
        self._marker = ""
        self._listed_at = time.monotonic()
        ids, self._marker = self._ids()
        self._seen: set[str] = set(ids)

    def sync(self) -> None:
        """Apply every invalidation made before this call (one ListInvalidations, more if new).

        Requests arriving together share one listing: a listing that began after a request
        arrived has seen everything made before it.
        """
        arrived = time.monotonic()
        with self._lock:
            if self._listed_at >= arrived:
                return
            self._listed_at = time.monotonic()
            try:
                ids, marker = self._ids()
                for invalidation_id in (i for i in ids if i not in self._seen):
                    paths = self._paths(invalidation_id)
                    dropped = self._cache.invalidate(paths)
                    self._seen.add(invalidation_id)
                    _log.info("edge invalidation %s %s dropped %s", invalidation_id, paths, dropped or "nothing")
                self._marker = marker  # only once every id before it was applied
            except ClientError:
                # Serving a possibly stale object is what CloudFront does when it cannot
                # invalidate in time; the next request (a waiting one too) tries again.
                self._listed_at = float("-inf")
                _log.warning("could not read the distribution's invalidations", exc_info=True)

    def _ids(self) -> tuple[list[str], str]:
        """The ids from the last page not yet full onwards, and the marker of the last page."""
        ids: list[str] = []
        marker = self._marker
        while True:
            paging = {"MaxItems": PAGE_SIZE, "Marker": marker} if marker else {"MaxItems": PAGE_SIZE}
            page = self._cloudfront.list_invalidations(DistributionId=self._distribution_id, **paging)
            listing = page.get("InvalidationList", {})
            ids.extend(str(item["Id"]) for item in listing.get("Items") or [])
            if not listing.get("IsTruncated") or not listing.get("NextMarker"):
                return ids, marker
            marker = str(listing["NextMarker"])

    def _paths(self, invalidation_id: str) -> list[str]:
        answer = self._cloudfront.get_invalidation(DistributionId=self._distribution_id, Id=invalidation_id)
        return [str(p) for p in answer["Invalidation"]["InvalidationBatch"]["Paths"].get("Items") or []]


class EdgeSettings(Settings):
    """The local edge's knobs (``CIRCULION_EDGE_*``)."""

    edge_max_ttl_s: float | None = None
    """A lower ``MaxTTL`` than the distribution's cache policy gives, for tests that wait
    out a TTL (``CachingOptimized`` keeps an object without ``Cache-Control`` for a day)."""


def caching_origin(cloudfront: Any, s3: Any, bucket: str, settings: EdgeSettings) -> CachingOrigin | None:
    """The cache in front of ``bucket``, as the distribution's behaviour configures it.

    ``None`` (serve everything uncached) when the emulator has no distribution.
    """
    caching = read_distribution(cloudfront, bucket, settings.edge_max_ttl_s)
    if caching is None:
        _log.warning("no CloudFront distribution: the edge caches nothing")
        return None
    cache = EdgeCache()
    feed = InvalidationFeed(cloudfront, caching.distribution_id, cache)
    _log.info("edge caches for distribution %s with TTLs %s", caching.distribution_id, caching.ttls)
    return CachingOrigin(s3, bucket, caching.ttls, feed, cache)
