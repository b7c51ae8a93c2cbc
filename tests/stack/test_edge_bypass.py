"""The critical edge bypass, end to end: one tenant's signed URL never reads another's archive.

Before the fix the edge verified ``http://`` + the client's ``Host`` + the target, but served
the key from the target alone: a ``Host`` carrying acme's valid signed URL and a ``#`` made
globex's archive (any object of the artifacts bucket) readable.
"""

from __future__ import annotations

import socket
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from api import UploadApi
from support import Stack

pytestmark = pytest.mark.stack

ARM = (Path(__file__).resolve().parents[2] / "examples" / "arm.json").read_bytes()


def _distributed(stack: Stack, tenant: str) -> tuple[UploadApi, dict[str, Any]]:
    api = UploadApi.for_tenant(stack.ports, f"{tenant}-{uuid.uuid4().hex[:6]}")
    recipe_id = api.upload_recipe("arm", ARM, "application/json")
    recipe = api.wait_for_status(recipe_id, {"DISTRIBUTED", "REJECTED", "FAILED"}, 120, fail=pytest.fail)
    assert recipe["status"] == "DISTRIBUTED", recipe
    download = api.request("GET", f"/recipes/{recipe_id}/download")
    assert download.status == 200, download.body
    return api, download.body


@pytest.fixture(scope="module")
def two_tenants(stack: Stack) -> tuple[dict[str, Any], dict[str, Any]]:
    return _distributed(stack, "acme")[1], _distributed(stack, "globex")[1]


def _raw(edge_url: str, target: str, host: str) -> tuple[int, bytes]:
    address = urllib.parse.urlsplit(edge_url)
    request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1")
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while piece := sock.recv(65536):
            answer += piece
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def test_a_host_header_carrying_one_tenants_url_cannot_read_anothers_archive(
    stack: Stack, two_tenants: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    acme, globex = two_tenants
    globex_path = urllib.parse.urlsplit(globex["url"]).path
    with urllib.request.urlopen(globex["url"], timeout=60) as response:  # the real download works
        globex_bytes = response.read()
    assert globex_bytes.startswith(b"PK")
    status, body = _raw(stack.ports.edge_url, globex_path, host=acme["url"].removeprefix("http://") + "#")
    assert status == 403
    assert globex_bytes not in body


def test_one_tenants_signature_on_anothers_path_is_refused(
    stack: Stack, two_tenants: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    acme, globex = two_tenants
    acme_query = urllib.parse.urlsplit(acme["url"]).query
    globex_path = urllib.parse.urlsplit(globex["url"]).path
    host = urllib.parse.urlsplit(stack.ports.edge_url).netloc
    assert _raw(stack.ports.edge_url, f"{globex_path}?{acme_query}", host)[0] == 403
    acme_target = urllib.parse.urlsplit(acme["url"])
    assert _raw(stack.ports.edge_url, f"{acme_target.path}?{acme_query}&{acme_query}", host)[0] == 400  # doubled
    encoded = acme_target.path.replace("/", "%2F").replace("%2F", "/", 1)
    assert _raw(stack.ports.edge_url, f"{encoded}?{acme_query}", host)[0] == 400
    assert _raw(stack.ports.edge_url, f"{acme_target.path}?{acme_query}", "evil.example")[0] == 200
