"""Wiring every service does the same way: settings, logging, tracing, shared adapters.

A service's ``chalicelib/bootstrap.py`` is its composition root: ``build(settings,
**overrides)`` names one factory per field of its ``Deps`` and hands them to
:func:`assemble`, which calls only the factories of the fields not overridden. The shared
adapters come from a :class:`Platform`, itself made on first use, so a test that passes
fakes for every AWS-backed field builds no boto3 client and configures nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from circulion import log, tracing
from circulion.adapters.aws import AwsClients
from circulion.adapters.dead_letters import SqsDeadLetters
from circulion.adapters.event_bus import Publisher, SnsEventBus, SqsTaskQueue
from circulion.adapters.object_store import S3ObjectStore
from circulion.settings import Settings

D = TypeVar("D")


class Platform:
    """The shared adapters of one process, each built on first use."""

    def __init__(self, settings: Settings, *, with_task_queue: bool = False) -> None:
        self.settings = settings
        self.clients = AwsClients(settings)
        self._with_task_queue = with_task_queue

    @functools.cached_property
    def publisher(self) -> Publisher:
        names = self.settings.resources
        bus = SnsEventBus(self.clients.client("sns"), self.clients.topic_arn(names.events_topic))
        tasks = None
        if self._with_task_queue:  # the queue's URL is looked up only by services that send tasks
            tasks = SqsTaskQueue(self.clients.client("sqs"), self.clients.queue_url(names.work_queue))
        return Publisher(bus, tasks)

    @functools.cached_property
    def dead_letters(self) -> SqsDeadLetters:
        return SqsDeadLetters(self.clients.client("sqs"))

    @functools.cached_property
    def objects(self) -> S3ObjectStore:
        return S3ObjectStore(self.clients.client("s3"))


def build_platform(service: str, settings: Settings, *, with_task_queue: bool = False) -> Platform:
    """Configure logging and tracing for ``service``; the shared adapters follow on use."""
    log.setup(service, settings.log_level)
    tracing.configure(service, enabled=settings.tracing_enabled)
    return Platform(settings, with_task_queue=with_task_queue)


def lazy_platform(service: str, settings: Settings, *, with_task_queue: bool = False) -> Callable[[], Platform]:
    """:func:`build_platform`, deferred to the first call (and done once)."""
    return functools.cache(functools.partial(build_platform, service, settings, with_task_queue=with_task_queue))


def common_factories(settings: Settings, platform: Callable[[], Platform]) -> dict[str, Callable[[], Any]]:
    """Factories of the fields every service's ``Deps`` has, from a :func:`lazy_platform`."""
    return {
        "settings": lambda: settings,
        "publisher": lambda: platform().publisher,
        "dead_letters": lambda: platform().dead_letters,
        "objects": lambda: platform().objects,
    }


def assemble(
    deps_type: Callable[..., D], overrides: Mapping[str, Any], factories: Mapping[str, Callable[[], Any]]
) -> D:
    """``deps_type(**fields)``: each field from ``overrides`` if given, else from its factory.

    A factory runs only for a field not overridden. An override may also set a field that
    has a default and no factory (a clock); an unknown name fails as the constructor does.

    Examples
    --------
    >>> assemble(dict, {"b": 2}, {"a": lambda: 1, "b": lambda: 1 / 0})
    {'a': 1, 'b': 2}
    """
    built = {name: make() for name, make in factories.items() if name not in overrides}
    return deps_type(**built, **overrides)
