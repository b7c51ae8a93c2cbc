"""The splitter's composition root: the only module that builds concrete adapters."""

from __future__ import annotations

import functools
from typing import Any

from chalicelib.deps import SERVICE, Deps
from chalicelib.plan_store import S3PlanStore
from chalicelib.settings import SplitterSettings
from circulion.platform import assemble, common_factories, lazy_platform


def build(settings: SplitterSettings | None = None, **overrides: Any) -> Deps:
    """The splitter's dependencies; each keyword replaces that field (a test's fake)."""
    s = settings or SplitterSettings.from_env()
    platform = lazy_platform(SERVICE, s, with_task_queue=True)
    return assemble(
        Deps,
        overrides,
        {
            **common_factories(s, platform),
            "plans": lambda: S3PlanStore(
                platform().clients.client("s3"), s.resources.work_bucket, s.plan_lease_seconds
            ),
        },
    )


@functools.cache
def deps() -> Deps:
    """The process's dependencies, built on first use (a warm Lambda reuses them)."""
    return build()
