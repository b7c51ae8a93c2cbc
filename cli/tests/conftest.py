from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(autouse=True)
def _no_local_validation_of_sample_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    # The transport tests upload arbitrary bytes named *.ndjson to the fake API; the local
    # pre-upload check (which would refuse them) is tested in test_cli_validate.py.
    monkeypatch.setenv("CIRCULION_VALIDATE_UP_TO", "0")


@pytest.fixture
def against_fake(fake: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's environment pointed at the fake API, with a fresh cache directory."""
    monkeypatch.setenv("CIRCULION_API_URL", fake.url)
    monkeypatch.setenv("CIRCULION_TOKEN", TOKEN)
    monkeypatch.setenv("CIRCULION_CACHE_DIR", str(tmp_path / "cache"))
