"""Exponential backoff with full jitter, shared by API calls and part uploads."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_AFTER_STATUSES = frozenset({429, 503})
"""Answers that mean "nothing was done, come back later" when they carry ``Retry-After``."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a transient failure.

    ``sleep`` is injectable so tests run without waiting.
    """

    max_attempts: int = 5
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1)))
        # Full jitter spreads parallel workers that failed together (one S3 hiccup).
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not cryptography

    def pause(self, attempt: int) -> None:
        self.sleep(self.delay(attempt))


def retry_after_s(status: int, header: str | None, cap_s: float) -> float | None:
    """Seconds a 429/503 asks the client to wait (``Retry-After``: seconds or an HTTP date),
    at most ``cap_s``; ``None`` when the answer is not one to retry this way."""
    if status not in RETRY_AFTER_STATUSES or not header:
        return None
    text = header.strip()
    if text.isdigit():
        return min(float(text), cap_s)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), cap_s)
