"""The merger's composition root: the only module that builds concrete adapters."""

from __future__ import annotations

import functools
from typing import Any

from chalicelib.deps import SERVICE, Deps
from chalicelib.dynamo_ledger_store import DynamoLedgerStore
from chalicelib.settings import MergerSettings
from circulion.adapters.event_bus import SqsTaskQueue
from circulion.adapters.retries import SqsRetryScheduler
from circulion.platform import assemble, common_factories, lazy_platform


def build(settings: MergerSettings | None = None, **overrides: Any) -> Deps:
    """The merger's dependencies; each keyword replaces that field (a test's fake)."""
    s = settings or MergerSettings.from_env()
    platform = lazy_platform(SERVICE, s, with_task_queue=True)
    names = s.resources
    return assemble(
        Deps,
        overrides,
        {
            **common_factories(s, platform),
            "ledger": lambda: DynamoLedgerStore(
                platform().clients.client("dynamodb"), names.ledger_table, s.ledger_ttl_seconds
            ),
            "merger_queue": lambda: SqsTaskQueue(
                platform().clients.client("sqs"), platform().clients.queue_url(names.merger_queue)
            ),
            "retries": lambda: SqsRetryScheduler(platform().clients.client("sqs")),
        },
    )


@functools.cache
def deps() -> Deps:
    """The process's dependencies, built on first use (a warm Lambda reuses them)."""
    return build()
