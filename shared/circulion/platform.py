"""Wiring every service does the same way: settings, logging, tracing, shared adapters.

A service's ``chalicelib/bootstrap.py`` calls :func:`build_platform` once per process and
adds its own stores to the result.
"""

from __future__ import annotations

from dataclasses import dataclass

from circulion import log, tracing
from circulion.adapters.aws import AwsClients
from circulion.adapters.dead_letters import SqsDeadLetters
from circulion.adapters.event_bus import Publisher, SnsEventBus, SqsTaskQueue
from circulion.adapters.object_store import S3ObjectStore
from circulion.settings import Settings


@dataclass(frozen=True)
class Platform:
    """The shared adapters of one process."""

    settings: Settings
    clients: AwsClients
    publisher: Publisher
    dead_letters: SqsDeadLetters
    objects: S3ObjectStore


def build_platform(service: str, settings: Settings, *, with_task_queue: bool = False) -> Platform:
    """Configure logging and tracing for ``service`` and build the shared adapters.

    The task queue's URL is looked up only by services that send tasks.
    """
    log.setup(service, settings.log_level)
    tracing.configure(service, enabled=settings.tracing_enabled)
    clients = AwsClients(settings)
    names = settings.resources
    bus = SnsEventBus(clients.client("sns"), clients.topic_arn(names.events_topic))
    tasks = SqsTaskQueue(clients.client("sqs"), clients.queue_url(names.work_queue)) if with_task_queue else None
    return Platform(
        settings=settings,
        clients=clients,
        publisher=Publisher(bus, tasks),
        dead_letters=SqsDeadLetters(clients.client("sqs")),
        objects=S3ObjectStore(clients.client("s3")),
    )
