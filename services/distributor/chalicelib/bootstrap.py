"""The distributor's composition root: the only module that builds concrete adapters."""

from __future__ import annotations

import functools
from typing import Any

from botocore.config import Config

from chalicelib.cdn import Cdn, CloudFrontCdn, FaultInjectingCdn
from chalicelib.deps import SERVICE, Deps
from chalicelib.dynamo_name_versions import DynamoNameVersions
from chalicelib.fault_budgets import DynamoFaultBudgets
from chalicelib.settings import DistributorSettings
from chalicelib.store import DistributionStore, DynamoDistributionStore
from circulion.adapters.retries import SqsRetryScheduler
from circulion.platform import Platform, assemble, common_factories, lazy_platform

# No botocore retries on CloudFront: a throttled invalidation is retried through the
# queue with backoff, never by sleeping inside the invocation.
CLOUDFRONT_CONFIG = Config(retries={"total_max_attempts": 1})


def build(settings: DistributorSettings | None = None, **overrides: Any) -> Deps:
    """The distributor's dependencies; each keyword replaces that field (a test's fake)."""
    s = settings or DistributorSettings.from_env()
    platform = lazy_platform(SERVICE, s)
    table = s.resources.distribution_table

    @functools.cache
    def store() -> DistributionStore:
        if "store" in overrides:  # the fault budget lives in whichever store the deps use
            return overrides["store"]  # type: ignore[no-any-return]
        return DynamoDistributionStore(platform().clients.client("dynamodb"), table)

    return assemble(
        Deps,
        overrides,
        {
            **common_factories(s, platform),
            "store": store,
            "cdn": lambda: _cdn(platform(), s, store()),
            "retries": lambda: SqsRetryScheduler(platform().clients.client("sqs")),
            "versions": lambda: DynamoNameVersions(platform().clients.client("dynamodb"), table),
        },
    )


def _cdn(platform: Platform, settings: DistributorSettings, store: DistributionStore) -> Cdn:
    cdn: Cdn = CloudFrontCdn(platform.clients.client("cloudfront", CLOUDFRONT_CONFIG), settings.distribution_id)
    if settings.fault_injection:
        # The budgets live in whichever store the deps use; a test's own store is asked per fault.
        armed = (
            DynamoFaultBudgets(platform.clients.client("dynamodb"), settings.resources.distribution_table).armed
            if isinstance(store, DynamoDistributionStore)
            else None
        )
        cdn = FaultInjectingCdn(cdn, store.take_fault, armed=armed)
    return cdn


@functools.cache
def deps() -> Deps:
    """The process's dependencies, built on first use (a warm Lambda reuses them)."""
    return build()
