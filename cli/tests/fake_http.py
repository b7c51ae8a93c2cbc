"""The fake's HTTP plumbing shared by its API routes and its S3 PUTs, and the arrival of
an upload's bytes that both end in (a single PUT, or a multipart complete)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from fake_recipe import FakeRecipe

if TYPE_CHECKING:
    from fake_api import FakeApi

TOKEN = "test-token"


class FakeHandler(BaseHTTPRequestHandler):
    api: FakeApi

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # --- plumbing -------------------------------------------------------------------

    def _send(self, status: int, body: object = None, headers: dict[str, str] | None = None) -> None:
        raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        # The client may have been killed mid-request: that is what a resume test does.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(raw)

    def _error(self, status: int, code: str, message: str, details: object = None) -> None:
        self._send(status, {"error": {"code": code, "message": message, "details": details}})

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._error(401, "unauthorized", "missing or invalid token")
            return False
        return True

    def _route(self) -> tuple[list[str], dict[str, str]]:
        parsed = urllib.parse.urlsplit(self.path)
        return [p for p in parsed.path.split("/") if p], dict(urllib.parse.parse_qsl(parsed.query))

    def _arrived(self, recipe: FakeRecipe, data: bytes) -> None:
        ok = hashlib.sha256(data).hexdigest() == recipe.sha256 and len(data) == recipe.size
        recipe.arrived = True
        recipe.status = "VALIDATING" if ok else "REJECTED"
        recipe.after_complete = list(self.api.script) if ok else []
        if not ok:
            recipe.errors = [{"code": "checksum_mismatch", "message": "object does not match its sha256"}]


def etag(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'
