"""Fixtures of the distributor's unit and handler tests: fakes, messages."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fakes import FakeCdn, InMemoryDistributionStore, InMemoryRetryScheduler
from name_version_fakes import InMemoryNameVersions

from chalicelib import bootstrap
from chalicelib.deps import Deps
from chalicelib.settings import DistributorSettings
from circulion.adapters.event_bus import Publisher
from circulion.contracts.events import ArtifactRef, RecipeDescription, RecipeMerged, RecipeMergedPayload
from circulion.testing import InMemoryDeadLetters, InMemoryEventBus, InMemoryObjectStore
from circulion.testing.wiring import deps_wiring

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ARTIFACTS = "circulion-artifacts"


def merged(tenant: str, name: str, version: str, recipe_id: str | None = None) -> RecipeMerged:
    """A ``recipe.merged`` for ``tenant/name@version``."""
    recipe_id = recipe_id or uuid.uuid4().hex[:16]
    data = f"{tenant}/{name}/{version}/{recipe_id}".encode()
    return RecipeMerged(
        recipe_id=recipe_id,
        tenant_id=tenant,
        payload=RecipeMergedPayload(
            recipe=RecipeDescription(
                name=name,
                version=version,
                content_type="application/json",
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            ),
            kind="document",
            artifact=ArtifactRef(
                bucket=ARTIFACTS,
                key=f"artifacts/{tenant}/{name}/{version}/{recipe_id}.zip",
                size_bytes=len(data) + 100,
                sha256=hashlib.sha256(data + b"zip").hexdigest(),
            ),
            record_count=1,
            total_chunks=1,
        ),
    )


class World:
    """The fakes behind one :class:`Deps`, for assertions."""

    def __init__(self, throttle_first: int = 0) -> None:
        self.bus = InMemoryEventBus()
        self.objects = InMemoryObjectStore()
        self.store = InMemoryDistributionStore()
        self.versions = InMemoryNameVersions(self.store)
        self.cdn = FakeCdn(throttle_first=throttle_first)
        self.retries = InMemoryRetryScheduler()
        self.dead_letters = InMemoryDeadLetters(max_receive_count=4)
        self.deps = bootstrap.build(
            DistributorSettings(tracing_enabled=False, retry_base_seconds=2, retry_max_seconds=60),
            publisher=Publisher(self.bus),
            dead_letters=self.dead_letters,
            objects=self.objects,
            store=self.store,
            cdn=self.cdn,
            retries=self.retries,
            versions=self.versions,
            clock=lambda: NOW,
        )


@pytest.fixture
def world() -> Callable[..., World]:
    return World


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Callable[[Deps], Deps]:
    """``wire(deps)``: the app's ``bootstrap.deps()`` returns ``deps`` for this test."""
    return deps_wiring(monkeypatch, bootstrap)
