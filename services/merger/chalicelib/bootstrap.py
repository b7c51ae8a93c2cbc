"""Wiring the merger's dependencies once per process."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.ledger_store import DynamoLedgerStore, LedgerStore
from chalicelib.settings import MergerSettings
from circulion.adapters.dead_letters import DeadLetters
from circulion.adapters.event_bus import SqsTaskQueue, TaskQueue
from circulion.adapters.object_store import ObjectStore
from circulion.adapters.retries import RetryScheduler, SqsRetryScheduler
from circulion.batch import MessagePublisher
from circulion.platform import build_platform


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


@functools.cache
def deps() -> Deps:
    """The process's dependencies, built on first use (a warm Lambda reuses them)."""
    settings = MergerSettings.from_env()
    platform = build_platform("merger", settings, with_task_queue=True)
    names = settings.resources
    clients = platform.clients
    return Deps(
        settings=settings,
        publisher=platform.publisher,
        dead_letters=platform.dead_letters,
        ledger=DynamoLedgerStore(clients.client("dynamodb"), names.ledger_table, settings.ledger_ttl_seconds),
        objects=platform.objects,
        merger_queue=SqsTaskQueue(clients.client("sqs"), clients.queue_url(names.merger_queue)),
        retries=SqsRetryScheduler(clients.client("sqs")),
    )
