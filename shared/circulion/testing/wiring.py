"""Pointing a service's app at test dependencies, the same way in every service.

A service's ``app.py`` asks ``bootstrap.deps()`` for its dependencies on every invocation;
an app-level test (``chalice.test.Client``) replaces that one function for its duration
with one returning deps it built, usually ``bootstrap.build(settings, **fakes)``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import pytest

D = TypeVar("D")


def deps_wiring(monkeypatch: pytest.MonkeyPatch, bootstrap: ModuleType) -> Callable[[D], D]:
    """A ``wire(deps)`` that makes ``bootstrap.deps()`` return ``deps`` until the test ends.

    A service's ``tests/conftest.py`` offers it as the ``wire`` fixture::

        @pytest.fixture
        def wire(monkeypatch):
            return deps_wiring(monkeypatch, bootstrap)

        def test_split(wire):
            wire(bootstrap.build(settings, objects=InMemoryObjectStore()))
    """

    def wire(deps: D) -> D:
        monkeypatch.setattr(bootstrap, "deps", lambda: deps)
        return deps

    return wire
