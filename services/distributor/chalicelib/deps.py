"""What the distributor's handlers are given: ports, settings and a clock (no adapter here).

:mod:`chalicelib.bootstrap` builds the real ones; tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chalicelib.cdn import Cdn
from chalicelib.name_versions import NameVersions
from chalicelib.settings import DistributorSettings
from chalicelib.store import DistributionStore
from circulion.adapters.dead_letters import DeadLetters
from circulion.adapters.object_store import ObjectStore
from circulion.adapters.retries import RetryScheduler
from circulion.batch import MessagePublisher

SERVICE = "distributor"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    """Everything the distributor's handlers use."""

    settings: DistributorSettings
    publisher: MessagePublisher
    dead_letters: DeadLetters | None
    objects: ObjectStore
    store: DistributionStore
    cdn: Cdn
    retries: RetryScheduler
    versions: NameVersions
    clock: Callable[[], datetime] = field(default=_utc_now)
