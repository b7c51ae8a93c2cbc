"""Robots pull the live version of a name through the caching edge (issue 17, edge side).

The uploader uploads real recipes through the whole pipeline; the robot runs
``circulion pull`` as a separate process and polls the pointer at the edge with its
credential, reading ``X-Cache`` as it would at CloudFront. Each test has its own tenant.
The stack's edge caps TTLs at :data:`support.EDGE_MAX_TTL_S` (``CIRCULION_EDGE_MAX_TTL_S``)
so the suppressed-invalidation test waits seconds, not the policy's day.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api import UploadApi
from fleet_support import (
    CLI,
    HIT,
    MISS,
    SUPPRESS_FAULT_KEY,
    Fleet,
    Poll,
    new_fleet,
    poll,
    publish,
    recipe_archive_bytes,
    role_token,
    sha256,
)
from support import EDGE_MAX_TTL_S, Stack

from circulion.settings import RESOURCES

pytestmark = pytest.mark.stack


@pytest.fixture
def fleet(stack: Stack, tmp_path: Path) -> Fleet:
    return new_fleet(stack, tmp_path)


@pytest.fixture
def watcher(fleet: Fleet, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """``circulion pull cell-w --watch --json`` as the robot runs it, stopped with Ctrl-C."""
    fleet.publish("cell-w", "1.0.0")
    process = subprocess.Popen(
        [*CLI, "pull", "cell-w", "-o", str(tmp_path / "watched.zip"), "--watch", "--json", "--interval", "0.5"],
        env=fleet.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield process
    if process.poll() is None:
        process.send_signal(2)  # SIGINT, as Ctrl-C
        process.wait(timeout=10)


def next_line(process: subprocess.Popen[str]) -> dict[str, Any]:
    line = process.stdout.readline() if process.stdout else ""
    assert line, f"pull --watch ended: {process.stderr.read() if process.stderr else ''}"
    result: dict[str, Any] = json.loads(line)
    return result


def test_robot_pulls_the_live_version_and_the_invalidation_shows_the_next_one(fleet: Fleet, tmp_path: Path) -> None:
    fleet.publish("cell-a", "1.0.0")
    dest = tmp_path / "cell-a.zip"
    first = fleet.pull("cell-a", dest)
    assert (first["version"], first["replaced"]) == ("1.0.0", True)
    assert (
        sha256(dest.read_bytes())
        == first["sha256"]
        == fleet.robot.request("GET", "/names/cell-a").body["live"]["sha256"]
    )

    pointer_url = fleet.credential("cell-a")["pointer_url"]
    primed = poll(pointer_url)
    before = poll(pointer_url, primed.etag)  # the poll before the new version: from the cache
    assert (before.status, before.x_cache, primed.version) == (304, HIT, "1.0.0")

    fleet.publish("cell-a", "1.1.0")
    after = poll(pointer_url, primed.etag)
    assert (after.status, after.x_cache, after.version) == (200, MISS, "1.1.0")
    # Not the TTL running out: the cached copy was younger than the TTL when it was dropped.
    assert (before.age or 0) + (after.at - before.at) < EDGE_MAX_TTL_S, "the pipeline outlasted the edge TTL"

    second = fleet.pull("cell-a", dest)
    assert (second["version"], second["replaced"], second["previous_sha256"]) == ("1.1.0", True, first["sha256"])
    assert dest.read_bytes() == recipe_archive_bytes(fleet, "cell-a", "1.1.0")
    assert (tmp_path / "cell-a.zip.prev").read_bytes() == recipe_archive_bytes(fleet, "cell-a", "1.0.0")


def test_pull_watch_replaces_the_file_on_its_first_poll_after_the_new_version(
    fleet: Fleet, tmp_path: Path, watcher: subprocess.Popen[str]
) -> None:
    initial = next_line(watcher)
    assert (initial["version"], initial["replaced"]) == ("1.0.0", True)
    time.sleep(1.5)  # a few 304 hits at the edge
    fleet.publish("cell-w", "1.1.0")
    distributed_at = time.time()
    changed = next_line(watcher)
    seen_after = time.time() - distributed_at
    assert (changed["version"], changed["replaced"], changed["previous_version"]) == ("1.1.0", True, "1.0.0")
    assert changed["edge_cache"] == MISS  # the watcher is the only client: its own first poll after it
    assert seen_after < 5, f"--watch (every 0.5 s) took {seen_after:.1f} s to see 1.1.0"
    assert (tmp_path / "watched.zip").read_bytes() == recipe_archive_bytes(fleet, "cell-w", "1.1.0")
    watcher.send_signal(2)
    assert watcher.wait(timeout=10) == 0  # Ctrl-C ends --watch cleanly


def test_without_the_invalidation_the_edge_serves_the_old_pointer_until_its_ttl(fleet: Fleet) -> None:
    fleet.publish("cell-b", "1.0.0")
    pointer_url = fleet.credential("cell-b")["pointer_url"]
    cached = poll(pointer_url)  # the edge now holds 1.0.0
    assert cached.version == "1.0.0"
    dynamodb = fleet.stack.client("dynamodb")
    dynamodb.put_item(TableName=RESOURCES.distribution_table, Item={**SUPPRESS_FAULT_KEY, "remaining": {"N": "1"}})
    try:
        fleet.publish("cell-b", "1.1.0")
    finally:
        budget = dynamodb.get_item(TableName=RESOURCES.distribution_table, Key=SUPPRESS_FAULT_KEY, ConsistentRead=True)
        dynamodb.delete_item(TableName=RESOURCES.distribution_table, Key=SUPPRESS_FAULT_KEY)
    assert budget["Item"]["remaining"]["N"] == "0", "the 1.1.0 invalidation did not consume the suppression"

    polls = [poll(pointer_url)]
    deadline = time.time() + EDGE_MAX_TTL_S + 10
    while polls[-1].x_cache == HIT and time.time() < deadline:
        time.sleep(0.5)
        polls.append(poll(pointer_url))
    stale, fresh = polls[:-1], polls[-1]
    assert stale, "the first poll after 1.1.0 was already a miss: the invalidation was not suppressed"
    assert {(p.x_cache, p.version) for p in stale} == {(HIT, "1.0.0")}
    assert (fresh.x_cache, fresh.version) == (MISS, "1.1.0")
    assert fresh.at - cached.at >= EDGE_MAX_TTL_S - 1  # only the TTL ended the old copy


def test_a_withdrawal_puts_the_previous_version_back_on_the_robot_and_a_restore_undoes_it(
    fleet: Fleet, tmp_path: Path
) -> None:
    fleet.publish("cell-c", "1.0.0")
    v2_id, _ = fleet.publish("cell-c", "1.1.0")
    dest = tmp_path / "cell-c.zip"
    assert fleet.pull("cell-c", dest)["version"] == "1.1.0"
    pointer_url = fleet.credential("cell-c")["pointer_url"]
    cached = poll(pointer_url)
    assert poll(pointer_url, cached.etag).x_cache == HIT

    said = fleet.cli("withdraw", v2_id, "--reason", "unsafe torque on M5", token=fleet.admin.token)
    assert "WITHDRAWN" in said

    polls = [poll(pointer_url, cached.etag)]
    deadline = time.time() + 30
    while polls[-1].version != "1.0.0" and time.time() < deadline:
        time.sleep(0.2)
        polls.append(poll(pointer_url, cached.etag))
    assert (polls[-1].status, polls[-1].x_cache, polls[-1].version) == (200, MISS, "1.0.0")
    assert polls[-1].at - polls[0].at < EDGE_MAX_TTL_S  # the invalidation, not the TTL

    back = fleet.pull("cell-c", dest)
    assert (back["version"], back["replaced"]) == ("1.0.0", True)
    assert dest.read_bytes() == recipe_archive_bytes(fleet, "cell-c", "1.0.0")
    assert fleet.uploader.request("GET", f"/recipes/{v2_id}/download").status == 410
    versions = json.loads(fleet.cli("versions", "cell-c", "--json"))
    assert versions["live"]["version"] == "1.0.0"
    (entry,) = [v for v in versions["versions"] if v["version"] == "1.1.0"]
    assert (entry["status"], entry["withdrawn"]["reason"]) == ("WITHDRAWN", "unsafe torque on M5")

    fleet.cli("restore", v2_id, token=fleet.admin.token)

    def live_again() -> Poll | None:
        answer = poll(pointer_url)
        return answer if answer.version == "1.1.0" else None

    restored = fleet.stack.wait_until(live_again, 30, interval=0.2, message="1.1.0 live again at the edge")
    assert restored.x_cache == MISS
    again = fleet.pull("cell-c", dest)
    assert (again["version"], again["replaced"]) == ("1.1.0", True)

    def listed_live_again() -> bool:  # the names list is a projection: it may lag an event
        (name,) = json.loads(fleet.cli("names", "--json"))
        return name["name"] == "cell-c" and (name["live"] or {}).get("version") == "1.1.0"

    fleet.stack.wait_until(listed_live_again, 30, message="cell-c listed with 1.1.0 live again")


def test_the_edge_refuses_a_credential_edited_to_another_tenant(fleet: Fleet, stack: Stack) -> None:
    fleet.publish("cell-d", "1.0.0")
    other_tenant = f"fleet-{uuid.uuid4().hex[:8]}"
    publish(UploadApi(stack.ports.api_url, role_token(stack, other_tenant, "uploader")), "cell-d", "1.0.0")

    created = fleet.robot.create("cell-d", b"{}", "application/json", version="2.0.0")
    assert (created.status, created.error_code) == (403, "forbidden")  # `dev-token --role robot` made a robot
    credential = fleet.credential("cell-d")
    own = poll(credential["pointer_url"])
    assert own.status == 200
    edited = credential["pointer_url"].replace(f"/artifacts/{fleet.tenant}/", f"/artifacts/{other_tenant}/")
    assert edited != credential["pointer_url"]
    assert poll(edited).status == 403
    other_robot = UploadApi(stack.ports.api_url, role_token(stack, other_tenant, "robot"))
    assert other_robot.request("GET", "/names/cell-d/latest").status == 200  # its own cell-d
    unsigned = credential["pointer_url"].split("?", 1)[0]
    assert poll(unsigned).status == 403  # cached, yet never served unsigned

    cookies = "; ".join(f"{name}={value}" for name, value in credential["cookies"].items())
    by_cookie = poll(unsigned, headers={"Cookie": cookies})
    assert (by_cookie.status, by_cookie.x_cache, by_cookie.version) == (200, HIT, "1.0.0")
    edited_by_cookie = unsigned.replace(f"/artifacts/{fleet.tenant}/", f"/artifacts/{other_tenant}/")
    assert poll(edited_by_cookie, headers={"Cookie": cookies}).status == 403
