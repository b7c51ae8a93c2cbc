"""The composition-root helpers: overrides win, and nothing not needed is built."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from botocore.config import Config

from circulion.adapters.aws import AwsClients
from circulion.platform import Platform, assemble, common_factories
from circulion.settings import Settings
from circulion.testing import InMemoryDeadLetters, InMemoryEventBus, InMemoryObjectStore


@dataclass(frozen=True)
class Wired:
    a: int
    b: int
    c: str = "default"


def test_a_factory_runs_only_for_a_field_not_overridden() -> None:
    def never() -> int:
        raise AssertionError("built although overridden")

    assert assemble(Wired, {"b": 2}, {"a": lambda: 1, "b": never}) == Wired(1, 2)
    assert assemble(Wired, {"b": 2, "c": "fake"}, {"a": lambda: 1, "b": never}).c == "fake"


def test_an_unknown_override_fails_like_the_constructor() -> None:
    with pytest.raises(TypeError):
        assemble(Wired, {"d": 4}, {"a": lambda: 1, "b": lambda: 2})


def test_the_platform_is_not_made_when_every_shared_field_is_overridden() -> None:
    def no_platform() -> Platform:
        raise AssertionError("the platform was made although every field it feeds was overridden")

    settings = Settings(tracing_enabled=False)
    fakes = {"publisher": InMemoryEventBus(), "dead_letters": InMemoryDeadLetters(), "objects": InMemoryObjectStore()}
    assert assemble(dict, fakes, common_factories(settings, no_platform)) == {"settings": settings, **fakes}


def test_a_config_override_makes_its_own_client_on_the_shared_defaults() -> None:
    clients = AwsClients(Settings(endpoint_url="http://localhost:4566"))
    no_retries = Config(retries={"total_max_attempts": 1})
    cloudfront = clients.client("cloudfront", no_retries)
    assert cloudfront is clients.client("cloudfront", no_retries)
    assert cloudfront is not clients.client("cloudfront")
    assert cloudfront.meta.config.retries["total_max_attempts"] == 1
    assert clients.client("cloudfront").meta.config.retries["total_max_attempts"] == 6  # the defaults' 5 retries
    assert cloudfront.meta.config.max_pool_connections == 32  # the rest of the defaults stays
