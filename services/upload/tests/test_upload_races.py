"""Complete racing abort: whoever loses gets a 409 with the recipe's state, never a 503.

Each race is staged inside the upload port: while one request talks to S3, the other
request runs to the end (through the same API function it would run in production), then
S3 answers the first one the way the emulator did (a 500) or succeeds late.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pytest
from app import app
from chalice.test import Client

from chalicelib import api, bootstrap
from chalicelib.auth import Principal
from chalicelib.deps import Deps
from chalicelib.errors import Conflict
from chalicelib.models import CompleteUpload
from chalicelib.settings import MIB
from circulion.errors import TransientError
from tests.conftest import World
from tests.fakes import FakeUploadUrls

SHA = "0" * 64
ACME = Principal(tenant_id="acme", subject="user-acme")
PARTS = {"parts": [{"part_number": n, "etag": "e"} for n in (1, 2, 3)]}


@dataclass
class RacingUploadUrls(FakeUploadUrls):
    """Runs ``rival`` in the middle of a complete or an abort, then answers as ``outcome`` says."""

    during: str = ""
    rival: Callable[[], Any] = lambda: None
    emulator_500: bool = False
    no_such_upload: bool = False

    def complete(self, bucket: str, key: str, upload_id: str, parts: Sequence[tuple[int, str]]) -> None:
        if self.during == "complete":
            self.during = ""
            if self.no_such_upload:  # what UploadUrls.complete raises on S3's NoSuchUpload
                self.rival()
                raise Conflict("the multipart upload no longer exists", code="upload_gone")
            if self.emulator_500:
                self.rival()
                raise TransientError("complete multipart upload: InternalError")
            super().complete(bucket, key, upload_id, parts)
            self.rival()  # lands between S3's completion and the record's
            return
        super().complete(bucket, key, upload_id, parts)

    def abort(self, bucket: str, key: str, upload_id: str) -> None:
        if self.during == "abort":
            self.during = ""
            self.rival()
            if self.emulator_500:
                raise TransientError("abort multipart upload: InternalError")
        super().abort(bucket, key, upload_id)


def call(client: Any, world: World, method: str, path: str, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {world.issuer.token('acme')}"}
    return client.http.request(method, path, headers=headers, body=json.dumps(body) if body is not None else None)


@pytest.fixture
def racing(world: World, wire: Callable[[Deps], Deps]) -> Any:
    urls = RacingUploadUrls(world.objects)
    wire(replace(world.deps, urls=urls))
    with Client(app) as client:
        yield client, urls


def _multipart(client: Any, world: World) -> str:
    body = {"name": "big", "size": 12 * MIB, "sha256": SHA, "content_type": "application/x-ndjson"}
    created = json.loads(call(client, world, "POST", "/recipes", body).body)
    for n in (1, 2, 3):
        world.objects.upload_part("b", "k", created["upload"]["multipart"]["upload_id"], n, b"x" * 10)
    return str(created["recipe_id"])


def _error(response: Any) -> dict[str, Any]:
    error: dict[str, Any] = json.loads(response.body)["error"]
    return error


@pytest.mark.parametrize("emulator_500", [True, False], ids=["s3-500", "s3-completes-first"])
def test_complete_that_loses_to_abort_is_409_with_the_aborted_state(
    racing: Any, world: World, emulator_500: bool
) -> None:
    client, urls = racing
    rid = _multipart(client, world)
    aborted: list[Any] = []
    urls.during, urls.emulator_500 = "complete", emulator_500
    urls.rival = lambda: aborted.append(api.abort_upload(ACME, rid, bootstrap.deps().api))

    r = call(client, world, "POST", f"/recipes/{rid}/complete", PARTS)

    assert r.status_code == 409, r.body
    assert _error(r)["code"] == "upload_not_open"
    assert _error(r)["details"] == {"status": "ABORTED", "upload_completed": False}
    assert [a.status for a in aborted] == ["ABORTED"]
    assert world.store.recipes[rid].status.value == "ABORTED"


@pytest.mark.parametrize("emulator_500", [True, False], ids=["s3-500", "s3-no-such-upload"])
def test_abort_that_loses_to_complete_is_409_with_the_completed_state(
    racing: Any, world: World, emulator_500: bool
) -> None:
    client, urls = racing
    rid = _multipart(client, world)
    urls.during, urls.emulator_500 = "abort", emulator_500
    urls.rival = lambda: api.complete_upload(ACME, rid, CompleteUpload.model_validate(PARTS), bootstrap.deps().api)

    r = call(client, world, "POST", f"/recipes/{rid}/abort")

    assert r.status_code == 409, r.body
    assert _error(r)["code"] == "not_abortable"
    assert _error(r)["details"] == {"status": "AWAITING_UPLOAD", "upload_completed": True}
    assert world.store.recipes[rid].upload_completed


def test_complete_whose_upload_an_abort_just_removed_is_409_upload_gone_with_the_state(
    racing: Any, world: World
) -> None:
    """The abort's S3 call landed between the complete's check of the parts and its own S3
    call, and the abort has not written its record yet (seen in the stack's race test)."""
    client, urls = racing
    rid = _multipart(client, world)
    urls.during, urls.no_such_upload = "complete", True
    upload_id = world.store.recipes[rid].multipart
    assert upload_id is not None
    urls.rival = lambda: world.objects.abort_multipart("b", "k", upload_id.upload_id)

    r = call(client, world, "POST", f"/recipes/{rid}/complete", PARTS)

    assert r.status_code == 409, r.body
    assert _error(r)["code"] == "upload_gone"
    assert _error(r)["details"] == {"status": "AWAITING_UPLOAD", "upload_completed": False}


def test_two_aborts_racing_both_answer_aborted(racing: Any, world: World) -> None:
    client, urls = racing
    rid = _multipart(client, world)
    urls.during = "abort"
    urls.rival = lambda: api.abort_upload(ACME, rid, bootstrap.deps().api)
    r = call(client, world, "POST", f"/recipes/{rid}/abort")
    assert r.status_code == 200 and json.loads(r.body)["status"] == "ABORTED"


def test_a_503_that_is_not_a_race_stays_a_503_with_retry_after(racing: Any, world: World) -> None:
    client, urls = racing
    rid = _multipart(client, world)
    urls.during, urls.emulator_500 = "complete", True  # S3 fails, nobody aborted
    r = call(client, world, "POST", f"/recipes/{rid}/complete", PARTS)
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "1"
