"""What the batch processor's tests hand it: dependencies over in-memory fakes, a message."""

from __future__ import annotations

from dataclasses import dataclass, field

from circulion.adapters.event_bus import Publisher
from circulion.contracts import RecipeMergeStarted, RecipeMergeStartedPayload
from circulion.testing import InMemoryDeadLetters, InMemoryEventBus


@dataclass
class Deps:
    bus: InMemoryEventBus = field(default_factory=InMemoryEventBus)
    dead_letters: InMemoryDeadLetters = field(default_factory=InMemoryDeadLetters)
    seen: list[str] = field(default_factory=list)

    @property
    def publisher(self) -> Publisher:
        return Publisher(self.bus)


def started(recipe_id: str, total: int = 1) -> RecipeMergeStarted:
    payload = RecipeMergeStartedPayload(total_chunks=total)
    return RecipeMergeStarted(recipe_id=recipe_id, tenant_id="acme", payload=payload)
