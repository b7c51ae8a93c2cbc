from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_api import TOKEN, FakeApi
from sample_files import KIB

from circulion_cli.client import CirculionClient
from circulion_cli.retry import RetryPolicy


@pytest.fixture
def fake() -> Iterator[FakeApi]:
    api = FakeApi(part_size=4 * KIB, single_put_max=4 * KIB).start()
    yield api
    api.stop()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(fake: FakeApi, sleeps: list[float]) -> CirculionClient:
    return CirculionClient(fake.url, TOKEN, retry=RetryPolicy(max_attempts=4, sleep=sleeps.append))
