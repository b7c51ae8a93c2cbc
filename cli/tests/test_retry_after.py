"""429/503 with Retry-After are waited out and sent again, a create too; other errors are not."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from circulion_cli.client import CirculionClient
from circulion_cli.errors import InvalidRequest, ServerError
from circulion_cli.retry import RetryPolicy, retry_after_s
from circulion_cli.transport import HttpResponse, Readable, Sink

CREATED = {
    "recipe_id": "r1",
    "status": "AWAITING_UPLOAD",
    "upload": {"method": "PUT", "url": "http://s3/x", "headers": {}, "expires_at": "2026-12-01T00:00:00Z"},
}


def _error(status: int, code: str, retry_after: str | None) -> HttpResponse:
    body = json.dumps({"error": {"code": code, "message": code, "details": None}}).encode()
    return HttpResponse(status, body, {"Retry-After": retry_after} if retry_after else {})


@dataclass
class ScriptedTransport:
    answers: list[HttpResponse]
    sent: list[str] = field(default_factory=list)

    def request(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | Readable | None = None
    ) -> HttpResponse:
        self.sent.append(method)
        return self.answers.pop(0)

    def stream(self, url: str, sink: Sink, *, block_size: int = 1 << 20) -> HttpResponse:
        raise NotImplementedError


def _client(answers: list[HttpResponse], sleeps: list[float]) -> tuple[CirculionClient, ScriptedTransport]:
    transport = ScriptedTransport(answers)
    retry = RetryPolicy(max_attempts=4, max_delay_s=20.0, sleep=sleeps.append)
    return CirculionClient("http://api", "t", transport=transport, retry=retry), transport


@pytest.mark.parametrize(("status", "code"), [(503, "version_contention"), (429, "too_many_requests")])
def test_a_create_asked_to_come_back_later_is_sent_again_after_the_wait(status: int, code: str) -> None:
    sleeps: list[float] = []
    ok = HttpResponse(201, json.dumps(CREATED).encode(), {})
    client, transport = _client([_error(status, code, "2"), _error(status, code, "1"), ok], sleeps)
    created = client.create(name="arm", size=2, sha256="0" * 64, content_type="application/json")
    assert created.recipe_id == "r1"
    assert transport.sent == ["POST", "POST", "POST"] and sleeps == [2.0, 1.0]


def test_a_503_without_retry_after_is_not_resent_for_a_write() -> None:
    sleeps: list[float] = []
    client, transport = _client([_error(503, "unavailable", None)], sleeps)
    with pytest.raises(ServerError):
        client.create(name="arm", size=2, sha256="0" * 64, content_type="application/json")
    assert transport.sent == ["POST"] and sleeps == []


def test_retry_after_runs_out_after_the_policys_attempts() -> None:
    sleeps: list[float] = []
    client, transport = _client([_error(429, "slow_down", "1") for _ in range(4)], sleeps)
    with pytest.raises(InvalidRequest):
        client.create(name="arm", size=2, sha256="0" * 64, content_type="application/json")
    assert len(transport.sent) == 4 and sleeps == [1.0, 1.0, 1.0]


def test_retry_after_values() -> None:
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert retry_after_s(503, "5", 20) == 5.0
    assert retry_after_s(503, "600", 20) == 20.0  # capped
    assert 25 <= (retry_after_s(429, soon, 60) or 0) <= 30
    assert retry_after_s(503, "soon", 20) is None
    assert retry_after_s(500, "5", 20) is None
    assert retry_after_s(503, None, 20) is None
