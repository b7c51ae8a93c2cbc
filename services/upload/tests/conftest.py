"""Each test gets fresh fakes, built by ``bootstrap.build`` and wired into the app by ``wire``."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest

# Unit tests assert on the trace headers they pass in; the X-Ray SDK stays off here
# (tracing has its own tests in shared/tests and tests/stack/test_tracing.py).
os.environ.setdefault("CIRCULION_TRACING_ENABLED", "false")

from chalicelib import bootstrap
from chalicelib.auth import JwksKeys, TokenRules, TokenVerifier
from chalicelib.deps import Deps
from chalicelib.settings import MIB, UploadSettings
from circulion.adapters.event_bus import Publisher
from circulion.testing import InMemoryDeadLetters, InMemoryEventBus, InMemoryObjectStore
from circulion.testing.wiring import deps_wiring
from tests.fakes import AUDIENCE, ISSUER, FakeSigner, FakeUploadUrls, InMemoryRecipeStore, TestIssuer
from tests.name_fakes import InMemoryCommandOutbox, InMemoryNameIndex

_ISSUER = TestIssuer()


@dataclass
class World:
    deps: Deps
    store: InMemoryRecipeStore
    objects: InMemoryObjectStore
    bus: InMemoryEventBus
    dead_letters: InMemoryDeadLetters
    issuer: TestIssuer
    outbox: InMemoryCommandOutbox


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Callable[[Deps], Deps]:
    """``wire(deps)``: the app's ``bootstrap.deps()`` returns ``deps`` for this test."""
    return deps_wiring(monkeypatch, bootstrap)


@pytest.fixture
def world(wire: Callable[[Deps], Deps]) -> World:
    settings = UploadSettings(
        tracing_enabled=False,
        jwks_url="http://issuer.test/jwks",
        token_issuer=ISSUER,
        token_audience=AUDIENCE,
        cdn_base_url="https://cdn.test",
        single_put_max_bytes=8 * MIB,
        part_size_bytes=5 * MIB,
        validate_range_bytes=1024,
        validate_concurrency=3,
    )
    store = InMemoryRecipeStore()
    objects = InMemoryObjectStore()
    bus = InMemoryEventBus()
    dead = InMemoryDeadLetters()
    verifier = TokenVerifier(
        JwksKeys(settings.jwks_url or "", fetch=lambda _url: _ISSUER.jwks()),
        TokenRules(issuer=ISSUER, audience=AUDIENCE),
    )
    signer = FakeSigner()
    outbox = InMemoryCommandOutbox()
    deps = bootstrap.build(
        settings,
        publisher=Publisher(bus),
        dead_letters=dead,
        store=store,
        objects=objects,
        urls=FakeUploadUrls(objects),
        verifier=lambda: verifier,
        signer=lambda: signer,
        names=InMemoryNameIndex(store),
        outbox=outbox,
    )
    wire(deps)
    return World(deps, store, objects, bus, dead, _ISSUER, outbox)
