"""How many paths were invalidated this month, against CloudFront's free 1,000."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.invalidation import FREE_PATHS_PER_MONTH, month_of
from chalicelib.store import DistributionStore


@dataclass(frozen=True)
class InvalidationUsage:
    month: str
    paths: int

    @property
    def billable_paths(self) -> int:
        """Paths beyond the monthly free tier (CloudFront charges per path)."""
        return max(self.paths - FREE_PATHS_PER_MONTH, 0)


def invalidation_usage(store: DistributionStore, now: datetime) -> InvalidationUsage:
    """The invalidated-path count of ``now``'s month (the same number the metric reports)."""
    month = month_of(now)
    return InvalidationUsage(month=month, paths=store.invalidated_paths(month))
