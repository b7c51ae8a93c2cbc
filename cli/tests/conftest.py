from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_api import TOKEN, FakeApi

from circulion_cli.client import CirculionClient
from circulion_cli.retry import RetryPolicy

KIB = 1024


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


def write_file(path: Path, size: int, seed: int = 0) -> Path:
    """Deterministic, non-repeating-per-part content, so a misplaced part changes the hash."""
    block = bytes((i * 31 + seed) % 251 for i in range(size))
    path.write_bytes(block)
    return path
