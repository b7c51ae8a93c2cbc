"""In-memory stand-ins for the splitter's own port, and deps built from shared fakes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from chalicelib.deps import Deps
from chalicelib.plan_store import PlanStore
from chalicelib.settings import MiB, SplitterSettings
from circulion.adapters.event_bus import Publisher
from circulion.contracts.events import ObjectRef, RecipeDescription, RecipeKind, RecipeValidated, RecipeValidatedPayload
from circulion.testing import InMemoryDeadLetters, InMemoryEventBus, InMemoryObjectStore, InMemoryTaskQueue


class InMemoryPlanStore(PlanStore):
    """:class:`PlanStore` in a dict, with ETags, honouring the same conditions as S3."""

    def __init__(self, bucket: str = "circulion-work", lease_seconds: float = 120.0) -> None:
        super().__init__(bucket, lease_seconds)
        self.objects: dict[str, bytes] = {}

    def _create(self, key: str, data: bytes) -> bool:
        if key in self.objects:
            return False
        self.objects[key] = data
        return True

    def _read(self, key: str) -> tuple[bytes, str]:
        data = self.objects[key]
        return data, hashlib.md5(data).hexdigest()

    def _replace(self, key: str, data: bytes, etag: str) -> bool:
        if self._read(key)[1] != etag:
            return False
        self.objects[key] = data
        return True

    def _put(self, key: str, data: bytes) -> None:
        self.objects[key] = data


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    """Everything a handler test inspects."""

    objects: InMemoryObjectStore = field(default_factory=InMemoryObjectStore)
    bus: InMemoryEventBus = field(default_factory=InMemoryEventBus)
    tasks: InMemoryTaskQueue = field(default_factory=InMemoryTaskQueue)
    plans: InMemoryPlanStore = field(default_factory=InMemoryPlanStore)
    clock: Clock = field(default_factory=Clock)
    settings: SplitterSettings = field(
        default_factory=lambda: SplitterSettings(tracing_enabled=False, read_piece_bytes=64 * 1024)
    )

    def deps(self) -> Deps:
        return Deps(
            settings=self.settings,
            publisher=Publisher(self.bus, self.tasks),
            dead_letters=InMemoryDeadLetters(),
            objects=self.objects,
            plans=self.plans,
            clock=self.clock,
        )

    def upload(self, recipe_id: str, data: bytes, kind: RecipeKind, content_type: str = "") -> RecipeValidated:
        """Store ``data`` as an upload and return the ``recipe.validated`` announcing it."""
        key = f"incoming/tenant-a/{recipe_id}"
        self.objects.put_bytes("circulion-uploads", key, data)
        return RecipeValidated(
            recipe_id=recipe_id,
            tenant_id="tenant-a",
            payload=RecipeValidatedPayload(
                recipe=RecipeDescription(
                    name="pack",
                    version="1.0.0",
                    content_type=content_type or _CONTENT_TYPES[kind],
                    size_bytes=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                ),
                kind=kind,
                source=ObjectRef(bucket="circulion-uploads", key=key),
            ),
        )


_CONTENT_TYPES: dict[str, str] = {
    "document": "application/json",
    "stream": "application/x-ndjson",
    "asset": "application/octet-stream",
}

SMALL = SplitterSettings(tracing_enabled=False)
__all__ = ["SMALL", "Clock", "InMemoryPlanStore", "MiB", "World"]
