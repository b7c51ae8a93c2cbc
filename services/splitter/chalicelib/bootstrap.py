"""Wiring, once per warm process."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.plan_store import PlanStore, S3PlanStore
from chalicelib.settings import SplitterSettings
from circulion.adapters.dead_letters import DeadLetters
from circulion.adapters.object_store import ObjectStore
from circulion.batch import MessagePublisher
from circulion.platform import build_platform

SERVICE = "splitter"


@dataclass(frozen=True)
class Deps:
    settings: SplitterSettings
    publisher: MessagePublisher
    dead_letters: DeadLetters | None
    objects: ObjectStore
    plans: PlanStore
    clock: Callable[[], float] = field(default=time.time)


@functools.cache
def deps() -> Deps:
    settings = SplitterSettings.from_env()
    platform = build_platform(SERVICE, settings, with_task_queue=True)
    return Deps(
        settings=settings,
        publisher=platform.publisher,
        dead_letters=platform.dead_letters,
        objects=platform.objects,
        plans=S3PlanStore(platform.clients.client("s3"), settings.resources.work_bucket, settings.plan_lease_seconds),
    )
