"""Races on the upload API against the running stack: versions, complete against abort."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from api import ApiResponse, UploadApi
from support import Stack

pytestmark = pytest.mark.stack

LAST_VERSION = "999999999.999999999.999999999"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def tenant(stack: Stack) -> UploadApi:
    return UploadApi.for_tenant(stack.ports, unique("racer"))


def test_forty_concurrent_automatic_creates_of_one_name_all_get_distinct_versions(tenant: UploadApi) -> None:
    name = unique("contended")
    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(lambda _n: tenant.create(name, b"{}", "application/json"), range(40)))
    statuses = [a.status for a in answers]
    assert statuses == [201] * 40, [(a.status, a.body) for a in answers if a.status != 201]
    versions = {a.body["version"] for a in answers}
    assert versions == {f"1.0.{n}" for n in range(40)}


def test_an_automatic_create_after_the_last_version_is_a_409_not_an_out_of_pattern_version(tenant: UploadApi) -> None:
    name = unique("full")
    assert tenant.create(name, b"{}", "application/json", version=LAST_VERSION).status == 201
    answer: ApiResponse = tenant.create(name, b"{}", "application/json")
    assert (answer.status, answer.error_code) == (409, "versions_exhausted")
    assert LAST_VERSION in answer.body["error"]["message"]


MIB = 1024 * 1024
BIG = b"x" * (9 * MIB)  # above the single-PUT limit: two parts


def _uploaded_parts(api: UploadApi, name: str) -> tuple[str, list[dict[str, object]]]:
    created = api.create(name, BIG, "application/x-ndjson")
    assert created.status == 201, created.body
    recipe_id = created.body["recipe_id"]
    part_size = created.body["upload"]["multipart"]["part_size"]
    parts = api.request("GET", f"/recipes/{recipe_id}/parts").body["parts"]
    etags = []
    for part in parts:
        n = part["part_number"]
        answer = http_put(part["url"], BIG[(n - 1) * part_size : n * part_size], part["headers"])
        assert answer.status == 200, answer.body
        etags.append({"part_number": n, "etag": answer.headers["ETag"].strip('"')})
    return recipe_id, [*etags, {"parts": parts}]


def http_put(url: str, data: bytes, headers: dict[str, str]) -> ApiResponse:
    from api import http

    return http("PUT", url, data, headers)


@pytest.mark.parametrize("trial", range(4))
def test_complete_racing_abort_ends_in_one_state_and_no_5xx(tenant: UploadApi, trial: int) -> None:
    recipe_id, etags = _uploaded_parts(tenant, unique(f"race{trial}"))
    listing = [e for e in etags if "part_number" in e]
    with ThreadPoolExecutor(max_workers=2) as pool:
        complete = pool.submit(tenant.request, "POST", f"/recipes/{recipe_id}/complete", {"parts": listing})
        abort = pool.submit(tenant.request, "POST", f"/recipes/{recipe_id}/abort")
        done, aborted = complete.result(), abort.result()
    answers = sorted([(done.status, done.error_code), (aborted.status, aborted.error_code)])
    assert all(status < 500 for status, _ in answers), (done.body, aborted.body)
    final = tenant.recipe(recipe_id)
    if final["status"] == "ABORTED":
        assert aborted.status == 200
        assert (done.status, done.error_code) in {(409, "upload_not_open"), (409, "upload_gone")}, done.body
        if done.error_code == "upload_not_open":
            assert done.body["error"]["details"]["status"] == "ABORTED"
        else:  # S3's upload was gone before the abort's record was written
            assert done.body["error"]["details"]["upload_completed"] is False
    else:
        assert done.status == 200
        assert (aborted.status, aborted.error_code) == (409, "not_abortable"), aborted.body
        assert aborted.body["error"]["details"]["upload_completed"] is True


def test_a_part_sent_after_complete_is_refused_as_s3_refuses_it(tenant: UploadApi) -> None:
    recipe_id, etags = _uploaded_parts(tenant, unique("late-part"))
    listing = [e for e in etags if "part_number" in e]
    [urls] = [e["parts"] for e in etags if "parts" in e]
    assert tenant.request("POST", f"/recipes/{recipe_id}/complete", {"parts": listing}).status == 200
    late = http_put(urls[0]["url"], b"late", urls[0]["headers"])  # type: ignore[index]
    assert late.status == 404, late.body  # S3: NoSuchUpload, not the emulator's 500
    assert "NoSuchUpload" in str(late.body)
    again = tenant.request("GET", f"/recipes/{recipe_id}/parts")
    assert (again.status, again.error_code) == (409, "upload_not_open")


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_a_rejected_version_can_be_sent_again_corrected_and_a_distributed_one_cannot(tenant: UploadApi) -> None:
    name = unique("fixed")
    bad, good = (EXAMPLES / "bad-torque.json").read_bytes(), (EXAMPLES / "arm.json").read_bytes()
    rejected = tenant.upload_recipe(name, bad, "application/json", version="4.2.0")
    assert tenant.wait_for_status(rejected, {"REJECTED", "FAILED", "DISTRIBUTED"}, 90)["status"] == "REJECTED"

    corrected = tenant.upload_recipe(name, good, "application/json", version="4.2.0")

    assert tenant.wait_for_status(corrected, {"REJECTED", "FAILED", "DISTRIBUTED"}, 120)["status"] == "DISTRIBUTED"
    assert tenant.recipe(rejected)["status"] == "REJECTED"  # the first attempt stays visible
    again = tenant.create(name, good, "application/json", version="4.2.0")
    assert (again.status, again.error_code) == (409, "version_taken")
