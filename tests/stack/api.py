"""A small typed client of the upload API for stack tests.

Every end-to-end test starts the same way: get a token from the local issuer, declare a
recipe, send its bytes through the presigned URL(s) (single PUT or multipart), and wait
for a status. :class:`UploadApi` does exactly that and nothing more.

Examples
--------
>>> api = UploadApi.for_tenant(stack.ports, "acme")
>>> recipe_id = api.upload_recipe("screws", data, "application/x-ndjson")
>>> api.wait_for_status(stack, recipe_id, {"DISTRIBUTED"}, timeout=120)
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from circulion_local.ports import LocalPorts

PART_URL_BATCH = 100
TIMEOUT_S = 60


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error_code(self) -> str | None:
        """``error.code`` of an error body, else ``None``."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            code = self.body["error"].get("code")
            return str(code) if code is not None else None
        return None


def http(method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None) -> ApiResponse:
    """One HTTP exchange; 4xx/5xx are returned, not raised. JSON bodies are decoded."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            status, raw, got = response.status, response.read(), dict(response.headers.items())
    except urllib.error.HTTPError as exc:
        status, raw, got = exc.code, exc.read(), dict(exc.headers.items())
    try:
        decoded: Any = json.loads(raw) if raw else None
    except ValueError:
        decoded = raw.decode(errors="replace")
    return ApiResponse(status, decoded, got)


def dev_token(ports: LocalPorts, tenant: str, ttl_s: int = 3600) -> str:
    """A token from the local issuer (negative ``ttl_s``: already expired)."""
    body = json.dumps({"tenant": tenant, "ttl_s": ttl_s}).encode()
    response = http("POST", f"{ports.issuer_url}/dev-tokens", body, {"Content-Type": "application/json"})
    if response.status != 200:
        raise RuntimeError(f"issuer refused a token: {response.status} {response.body}")
    return str(response.body["token"])


class UploadApi:
    """The upload API as one tenant (or as nobody, with ``token=None``)."""

    def __init__(self, api_url: str, token: str | None) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token

    @classmethod
    def for_tenant(cls, ports: LocalPorts, tenant: str, ttl_s: int = 3600) -> UploadApi:
        return cls(ports.api_url, dev_token(ports, tenant, ttl_s))

    def request(
        self, method: str, path: str, body: Any = None, *, headers: Mapping[str, str] | None = None
    ) -> ApiResponse:
        """Call the API; ``body`` is sent as JSON unless it is already ``bytes``."""
        sent: dict[str, str] = {"Content-Type": "application/json"}
        if self.token is not None:
            sent["Authorization"] = f"Bearer {self.token}"
        sent.update(headers or {})
        raw = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        return http(method, self.api_url + path, raw, sent)

    def create(
        self,
        name: str,
        data: bytes,
        content_type: str,
        *,
        version: str | None = None,
        size: int | None = None,
        sha256: str | None = None,
    ) -> ApiResponse:
        """``POST /recipes`` declaring ``data`` (or a deliberately wrong size/checksum)."""
        body: dict[str, Any] = {
            "name": name,
            "size": len(data) if size is None else size,
            "sha256": hashlib.sha256(data).hexdigest() if sha256 is None else sha256,
            "content_type": content_type,
        }
        if version is not None:
            body["version"] = version
        return self.request("POST", "/recipes", body)

    def send_bytes(self, created: Mapping[str, Any], data: bytes) -> None:
        """Send ``data`` the way the create response says: one PUT, or parts + complete."""
        upload = created["upload"]
        if "multipart" not in upload:
            _put(upload["url"], data, upload["headers"])
            return
        recipe_id = created["recipe_id"]
        part_size, part_count = upload["multipart"]["part_size"], upload["multipart"]["part_count"]
        etags: list[dict[str, Any]] = []
        for first in range(1, part_count + 1, PART_URL_BATCH):
            # Ask for URLs batch by batch, just before use: they expire.
            got = self.request("GET", f"/recipes/{recipe_id}/parts?first={first}&count={PART_URL_BATCH}")
            if got.status != 200:
                raise RuntimeError(f"part URLs refused: {got.status} {got.body}")
            for part in got.body["parts"]:
                n = part["part_number"]
                chunk = data[(n - 1) * part_size : n * part_size]
                etags.append({"part_number": n, "etag": _put(part["url"], chunk, part["headers"])})
        done = self.request("POST", f"/recipes/{recipe_id}/complete", {"parts": etags})
        if done.status != 200:
            raise RuntimeError(f"complete refused: {done.status} {done.body}")

    def upload_recipe(self, name: str, data: bytes, content_type: str, **declared: Any) -> str:
        """Create a recipe and send its bytes; returns the recipe id."""
        created = self.create(name, data, content_type, **declared)
        if created.status != 201:
            raise RuntimeError(f"create refused: {created.status} {created.body}")
        self.send_bytes(created.body, data)
        return str(created.body["recipe_id"])

    def recipe(self, recipe_id: str) -> dict[str, Any]:
        got = self.request("GET", f"/recipes/{recipe_id}")
        if got.status != 200:
            raise RuntimeError(f"GET recipe: {got.status} {got.body}")
        body: dict[str, Any] = got.body
        return body

    def wait_for_status(
        self,
        recipe_id: str,
        statuses: Collection[str],
        timeout: float = 60.0,
        *,
        fail: Callable[[str], Any] | None = None,
    ) -> dict[str, Any]:
        """Poll until the recipe's status is one of ``statuses``; returns the recipe.

        On timeout calls ``fail`` (e.g. ``pytest.fail``) with the last recipe, or raises
        ``TimeoutError``.
        """
        deadline = time.monotonic() + timeout
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            last = self.recipe(recipe_id)
            if last["status"] in statuses:
                return last
            time.sleep(0.5)
        message = f"recipe {recipe_id} not in {sorted(statuses)} after {timeout:.0f} s; last: {last}"
        if fail is not None:
            fail(message)
        raise TimeoutError(message)


def _put(url: str, data: bytes, headers: Mapping[str, str]) -> str:
    """PUT bytes to a presigned URL; returns the ETag S3 answered."""
    response = http("PUT", url, data, headers)
    if response.status != 200:
        raise RuntimeError(f"S3 refused the PUT: {response.status} {response.body}")
    return response.headers.get("ETag", response.headers.get("etag", "")).strip('"')
