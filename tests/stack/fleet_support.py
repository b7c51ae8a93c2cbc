"""Helpers of the fleet stack tests: a tenant with its three roles, edge polls, uploads.

:class:`Fleet` is one tenant with an uploader, an admin and a robot (the robot's token made
by ``circulion dev-token --role robot``, as the README shows) and the CLI's environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from api import UploadApi, http
from support import Stack

from circulion.recipes import examples
from circulion.settings import RESOURCES

CLI = [sys.executable, "-c", "from circulion_cli.main import main; main()"]
HIT, MISS = "Hit from cloudfront", "Miss from cloudfront"
PIPELINE_S = 120.0
SUPPRESS_FAULT_KEY = {"pk": {"S": "fault#cdn-suppress-invalidation"}, "sk": {"S": "budget"}}


@dataclass
class Fleet:
    """One tenant: an uploader, an admin and a robot, and the CLI's environment."""

    stack: Stack
    tenant: str
    uploader: UploadApi
    admin: UploadApi
    robot: UploadApi
    env: dict[str, str]

    def publish(self, name: str, version: str) -> tuple[str, bytes]:
        """Upload a valid recipe and wait for ``DISTRIBUTED``; returns its id and bytes."""
        return publish(self.uploader, name, version)

    def credential(self, name: str) -> dict[str, Any]:
        got = self.robot.request("GET", f"/names/{name}/latest")
        assert got.status == 200, got.body
        edge: dict[str, Any] = got.body["edge"]
        return edge

    def pull(self, name: str, dest: Path) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.cli("pull", name, "-o", str(dest), "--json"))
        return result

    def cli(self, *argv: str, token: str | None = None) -> str:
        """``circulion ARGV`` as its own process (the robot's token unless ``token``); stdout."""
        env = self.env if token is None else {**self.env, "CIRCULION_TOKEN": token}
        done = subprocess.run([*CLI, *argv], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout


@dataclass(frozen=True)
class Poll:
    status: int
    x_cache: str | None
    age: int | None
    version: str | None
    etag: str | None
    at: float


def poll(pointer_url: str, etag: str | None = None, headers: dict[str, str] | None = None) -> Poll:
    """One GET of the pointer at the edge, conditional on ``etag`` like the robot's."""
    sent = {**({"If-None-Match": etag} if etag else {}), **(headers or {})}
    got = http("GET", pointer_url, headers=sent)
    version = got.body.get("version") if isinstance(got.body, dict) else None
    age = got.headers.get("Age")
    return Poll(
        got.status, got.headers.get("X-Cache"), int(age) if age else None, version, got.headers.get("ETag"), time.time()
    )


def publish(uploader: UploadApi, name: str, version: str) -> tuple[str, bytes]:
    data = recipe_bytes(name, version)
    recipe_id = uploader.upload_recipe(name, data, "application/x-ndjson", version=version)
    uploader.wait_for_status(recipe_id, {"DISTRIBUTED"}, timeout=PIPELINE_S, fail=pytest.fail)
    return recipe_id, data


def recipe_bytes(name: str, version: str) -> bytes:
    """A valid NDJSON recipe; ``version`` in its header makes every version's bytes differ."""
    steps = [examples.line(examples.step(i)) for i in range(1, 21)]
    return examples.line({**examples.HEADER, "name": name, "version": version}) + b"".join(steps)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_fleet(stack: Stack, tmp_path: Path) -> Fleet:
    """A fresh tenant with its three roles' tokens."""
    tenant = f"fleet-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "CIRCULION_API_URL": stack.ports.api_url,
        "CIRCULION_ISSUER_URL": stack.ports.issuer_url,
        "CIRCULION_CACHE_DIR": str(tmp_path / "cli-cache"),
    }
    env.pop("CIRCULION_TOKEN", None)
    minted = subprocess.run(
        [*CLI, "dev-token", "--tenant", tenant, "--role", "robot"], env=env, capture_output=True, text=True, check=True
    )
    tokens = {role: role_token(stack, tenant, role) for role in ("uploader", "admin")}
    tokens["robot"] = minted.stdout.strip()  # the robot's token as the README makes it
    env["CIRCULION_TOKEN"] = tokens["robot"]
    api = {role: UploadApi(stack.ports.api_url, token) for role, token in tokens.items()}
    return Fleet(stack, tenant, api["uploader"], api["admin"], api["robot"], env)


def role_token(stack: Stack, tenant: str, role: str) -> str:
    body = json.dumps({"tenant": tenant, "role": role}).encode()
    got = http("POST", f"{stack.ports.issuer_url}/dev-tokens", body, {"Content-Type": "application/json"})
    assert got.status == 200, got.body
    return str(got.body["token"])


def recipe_archive_bytes(fleet: Fleet, name: str, version: str) -> bytes:
    """The archive the pipeline made of ``name`` ``version`` (what the robot must hold)."""
    versions = fleet.robot.request("GET", f"/names/{name}").body["versions"]
    (entry,) = [v for v in versions if v["version"] == version]
    key = f"artifacts/{fleet.tenant}/{name}/{version}/{entry['recipe_id']}.zip"
    body = fleet.stack.client("s3").get_object(Bucket=RESOURCES.artifacts_bucket, Key=key)["Body"]
    return bytes(body.read())
