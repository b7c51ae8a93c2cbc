"""Wiring the distributor's dependencies once per warm process."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import boto3
from botocore.config import Config

from chalicelib.cdn import Cdn, CloudFrontCdn, FaultInjectingCdn
from chalicelib.dynamo_name_versions import DynamoNameVersions
from chalicelib.name_versions import NameVersions
from chalicelib.retries import RetryScheduler, SqsRetryScheduler
from chalicelib.settings import DistributorSettings
from chalicelib.store import DistributionStore, DynamoDistributionStore
from circulion.adapters.dead_letters import DeadLetters
from circulion.adapters.object_store import ObjectStore
from circulion.batch import MessagePublisher
from circulion.platform import build_platform


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


_installed: list[Deps] = []


def install(replacement: Deps | None) -> None:
    """Use ``replacement`` instead of the real dependencies (tests); ``None`` undoes it."""
    _installed.clear()
    if replacement is not None:
        _installed.append(replacement)


def deps() -> Deps:
    """The process's dependencies: the installed ones, else the real ones built once."""
    return _installed[0] if _installed else _real_deps()


@functools.cache
def _real_deps() -> Deps:
    settings = DistributorSettings.from_env()
    platform = build_platform("distributor", settings)
    store = DynamoDistributionStore(platform.clients.client("dynamodb"), settings.resources.distribution_table)
    # No botocore retries on CloudFront: a throttled invalidation is retried through the
    # queue with backoff, never by sleeping inside the invocation.
    cloudfront = boto3.session.Session(region_name=settings.region).client(
        "cloudfront",
        endpoint_url=settings.endpoint_url,
        config=Config(retries={"total_max_attempts": 1}),
    )
    cdn: Cdn = CloudFrontCdn(cloudfront, settings.distribution_id)
    if settings.fault_injection:
        cdn = FaultInjectingCdn(cdn, store.take_fault)
    return Deps(
        settings=settings,
        publisher=platform.publisher,
        dead_letters=platform.dead_letters,
        objects=platform.objects,
        store=store,
        cdn=cdn,
        retries=SqsRetryScheduler(platform.clients.client("sqs")),
        versions=DynamoNameVersions(platform.clients.client("dynamodb"), settings.resources.distribution_table),
    )
