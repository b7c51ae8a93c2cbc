"""CloudFront's CreateInvalidation made idempotent on its CallerReference, as on AWS.

moto 5.2.5 creates a new invalidation for every call. CloudFront answers a repeated
CallerReference with the same paths with the invalidation it already made, and with
different paths with ``InvalidationBatchAlreadyExists``: the distributor relies on the
former to resend a request a crash left unrecorded without invalidating twice (reported
upstream: docs/UPSTREAM.md).

Assumed: moto keeps a distribution's invalidations in ``backend.invalidations[dist_id]``,
each with ``caller_ref`` and ``paths``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from circulion_local.emulator import patches

_CLOUDFRONT_LOCK = threading.Lock()


def honour_caller_references() -> None:
    """Make CreateInvalidation idempotent on its CallerReference (once)."""
    from moto.cloudfront.exceptions import CloudFrontException
    from moto.cloudfront.models import CloudFrontBackend

    original: Callable[..., Any] = patches.original(CloudFrontBackend, "create_invalidation")

    def create_invalidation(self: Any, dist_id: str, paths: list[str], caller_ref: str) -> Any:
        with _CLOUDFRONT_LOCK:  # two racing resends must not both miss the lookup
            for existing in self.invalidations.get(dist_id) or []:
                if existing.caller_ref != caller_ref:
                    continue
                if sorted(existing.paths) == sorted(paths):
                    return existing
                raise CloudFrontException(
                    "InvalidationBatchAlreadyExists",
                    "The CallerReference you attempted to create the invalidation batch with is already in use "
                    "by another batch.",
                )
            return original(self, dist_id, paths, caller_ref)

    patches.patch(CloudFrontBackend, "create_invalidation", create_invalidation)
