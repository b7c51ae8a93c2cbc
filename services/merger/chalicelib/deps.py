"""What the merger's handlers are given: ports, settings and test seams (no adapter here).

:mod:`chalicelib.bootstrap` builds the real ones; tests pass fakes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.ledger_store import LedgerStore
from chalicelib.settings import MergerSettings
from circulion.adapters.dead_letters import DeadLetters
from circulion.adapters.event_bus import TaskQueue
from circulion.adapters.object_store import ObjectStore
from circulion.adapters.retries import RetryScheduler
from circulion.batch import MessagePublisher

SERVICE = "merger"


def _no_checkpoint(_: str) -> None:
    """Production checkpoints do nothing; tests inject crashes here."""


def _new_owner() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Deps:
    """Everything the merger's handlers touch.

    ``clock``, ``new_owner`` and ``checkpoint`` are seams for tests: time that can jump
    past a lease, predictable lease owners, and crashes injected between steps.
    """

    settings: MergerSettings
    publisher: MessagePublisher
    dead_letters: DeadLetters | None
    ledger: LedgerStore
    objects: ObjectStore
    merger_queue: TaskQueue
    """The merger's own queue: the sweeper re-drives a job by sending its plan here."""
    retries: RetryScheduler | None = None
    """Hides a record that met a held lease until the lease would expire."""
    clock: Callable[[], float] = time.time
    new_owner: Callable[[], str] = _new_owner
    checkpoint: Callable[[str], None] = field(default=_no_checkpoint)
