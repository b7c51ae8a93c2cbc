"""What the splitter's handlers are given: ports, settings and a clock (no adapter here).

:mod:`chalicelib.bootstrap` builds the real ones; tests pass fakes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from chalicelib.plan_store import PlanStore
from chalicelib.settings import SplitterSettings
from circulion.adapters.dead_letters import DeadLetters
from circulion.adapters.object_store import ObjectStore
from circulion.batch import MessagePublisher

SERVICE = "splitter"


@dataclass(frozen=True)
class Deps:
    """Everything the splitter's handlers use."""

    settings: SplitterSettings
    publisher: MessagePublisher
    dead_letters: DeadLetters | None
    objects: ObjectStore
    plans: PlanStore
    clock: Callable[[], float] = field(default=time.time)
