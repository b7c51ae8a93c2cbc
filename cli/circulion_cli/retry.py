"""Exponential backoff with full jitter, shared by API calls and part uploads."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


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
