"""The coordinator's unit-test world: a fake clock, the crash seam, captured output, fakes."""

from __future__ import annotations

import pytest

from chalicelib.deps import Deps
from chalicelib.settings import MergerSettings
from circulion.testing import InMemoryObjectStore
from tests.fakes import InMemoryLedgerStore
from tests.scenario import Captured, Clock, CrashSwitch


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def crash() -> CrashSwitch:
    return CrashSwitch()


@pytest.fixture
def out() -> Captured:
    return Captured()


@pytest.fixture
def deps(clock: Clock, crash: CrashSwitch, out: Captured) -> Deps:
    return Deps(
        settings=MergerSettings(tracing_enabled=False, max_redrives=2),
        publisher=out,
        dead_letters=None,
        ledger=InMemoryLedgerStore(),
        objects=InMemoryObjectStore(),
        merger_queue=out,
        clock=clock,
        checkpoint=crash,
    )
