"""The coordinator under random interleavings, crashes and clock jumps, against the fakes."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from chalicelib.deps import Deps
from chalicelib.settings import MergerSettings
from circulion.testing import InMemoryObjectStore
from tests.fakes import InMemoryLedgerStore
from tests.scenario import Captured, Clock, CoordinatorMachine, CrashSwitch


class InMemoryCoordinator(CoordinatorMachine):
    def make_deps(self, clock: Clock, crash: CrashSwitch, captured: Captured) -> Deps:
        return Deps(
            settings=MergerSettings(tracing_enabled=False, max_redrives=1000),
            publisher=captured,
            dead_letters=None,
            ledger=InMemoryLedgerStore(),
            objects=InMemoryObjectStore(),
            merger_queue=captured,
            clock=clock,
            checkpoint=crash,
        )


InMemoryCoordinator.TestCase.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestInMemoryCoordinator = InMemoryCoordinator.TestCase
