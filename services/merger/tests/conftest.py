"""The merger's test fixtures: ``wire`` points the app at deps a test built."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chalicelib import bootstrap
from chalicelib.deps import Deps
from circulion.testing.wiring import deps_wiring


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Callable[[Deps], Deps]:
    """``wire(deps)``: the app's ``bootstrap.deps()`` returns ``deps`` for this test."""
    return deps_wiring(monkeypatch, bootstrap)
