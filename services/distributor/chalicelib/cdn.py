"""CloudFront invalidations behind a port, with a test-only throttling seam.

``TooManyInvalidationsInProgress`` and throttling are transient: the records are reported
in ``batchItemFailures`` and retried through the queue (with a growing visibility timeout),
never by sleeping in the handler. The client is built without botocore's own retries for
the same reason (see ``bootstrap.CLOUDFRONT_CONFIG``).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from botocore.exceptions import ClientError

from circulion.errors import ConfigurationError, TransientError

THROTTLE_CODES = frozenset(
    {"TooManyInvalidationsInProgress", "Throttling", "ThrottlingException", "TooManyRequestsException"}
)
THROTTLE_FAULT = "cdn-throttle"
"""Name of the fault budget :class:`FaultInjectingCdn` consumes to throttle."""
CRASH_FAULT = "cdn-crash-after-create"
"""Name of the fault budget that kills the process right after CloudFront made an invalidation."""
SUPPRESS_FAULT = "cdn-suppress-invalidation"
"""Name of the fault budget that skips CloudFront: the edge keeps old copies until their TTL."""


class CdnThrottled(TransientError):
    """CloudFront refused the invalidation for now (too many in progress, or throttled)."""

    code = "cdn_throttled"


class CdnUnavailable(TransientError):
    """CloudFront failed in some other way that may pass."""

    code = "cdn_unavailable"


class Cdn(Protocol):
    """Port: invalidate cached paths."""

    def create_invalidation(self, paths: Sequence[str], caller_reference: str) -> str:
        """Start an invalidation of ``paths``; return its id. Idempotent on ``caller_reference``."""
        ...


class CloudFrontCdn:
    """:class:`Cdn` on one CloudFront distribution."""

    def __init__(self, cloudfront: Any, distribution_id: str) -> None:
        self._cloudfront = cloudfront
        self._distribution_id = distribution_id

    def create_invalidation(self, paths: Sequence[str], caller_reference: str) -> str:
        if not self._distribution_id:
            # Retried, then dead-lettered with this reason: redrivable once configured.
            raise ConfigurationError("CIRCULION_DISTRIBUTION_ID is not set")
        try:
            response = self._cloudfront.create_invalidation(
                DistributionId=self._distribution_id,
                InvalidationBatch={
                    "Paths": {"Quantity": len(paths), "Items": list(paths)},
                    "CallerReference": caller_reference,
                },
            )
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in THROTTLE_CODES:
                raise CdnThrottled(f"CreateInvalidation: {code}") from exc
            raise CdnUnavailable(f"CreateInvalidation: {code or exc}") from exc
        return str(response["Invalidation"]["Id"])


def _die() -> None:
    # SIGKILL, not an exception: no handler, finally or batch response runs, as when the
    # execution environment dies; the runtime sees a crashed invocation.
    os.kill(os.getpid(), signal.SIGKILL)


class FaultInjectingCdn:
    """Test-only: throttles, or crashes after the call, while a fault budget lasts.

    Installed only when ``fault_injection`` is on (the ``local`` stage), so production pays
    nothing. A test arms it by writing a budget of N into the distribution table: with
    :data:`THROTTLE_FAULT` the next N invalidations (across every worker process) fail as
    CloudFront's ``TooManyInvalidationsInProgress`` would; with :data:`CRASH_FAULT` the next
    N are made and then the process dies before the invalidation is recorded; with
    :data:`SUPPRESS_FAULT` the next N are never sent (as if CloudFront lost them), so a test
    can show that the invalidation is what makes a new pointer visible at the edge.
    """

    def __init__(
        self,
        inner: Cdn,
        take_fault: Callable[[str], bool],
        crash: Callable[[], None] = _die,
        armed: Callable[[Sequence[str]], frozenset[str]] | None = None,
    ) -> None:
        self._inner = inner
        self._take_fault = take_fault
        self._crash = crash
        self._armed = armed
        """Which budgets have units left (one read); without it every budget is tried."""

    def create_invalidation(self, paths: Sequence[str], caller_reference: str) -> str:
        names = (THROTTLE_FAULT, SUPPRESS_FAULT, CRASH_FAULT)
        armed = frozenset(names) if self._armed is None else self._armed(names)

        def fires(name: str) -> bool:
            return name in armed and self._take_fault(name)

        if fires(THROTTLE_FAULT):
            raise CdnThrottled("CreateInvalidation: TooManyInvalidationsInProgress (injected fault)")
        if fires(SUPPRESS_FAULT):
            return f"suppressed-{caller_reference}"
        invalidation_id = self._inner.create_invalidation(paths, caller_reference)
        if fires(CRASH_FAULT):
            self._crash()
        return invalidation_id
