"""Backing off a record through its queue: the shared adapter (:mod:`circulion.adapters.retries`)."""

from __future__ import annotations

from circulion.adapters.retries import RetryScheduler, SqsRetryScheduler

__all__ = ["RetryScheduler", "SqsRetryScheduler"]
