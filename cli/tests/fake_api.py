"""An in-process fake of the upload API and of S3's presigned PUTs, for client tests.

It follows issue 3's contract (routes, bodies, ``{error: {code, message, details}}``) and
lets a test make storage misbehave: fail some part PUTs, expire URLs, drop connections,
or hold part PUTs until the test releases them (to kill a client mid-upload).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import secrets
import threading
import urllib.parse
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "test-token"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
NAME_RULE = "1-128 characters of letters, digits, '.', '_' and '-', starting with a letter or digit"


@dataclass
class FakeRecipe:
    recipe_id: str
    name: str
    version: str
    size: int
    sha256: str
    content_type: str
    status: str = "AWAITING_UPLOAD"
    arrived: bool = False
    file_name: str | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    upload_id: str | None = None
    part_count: int = 1
    parts: dict[int, bytes] = field(default_factory=dict)
    after_complete: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    progress: dict[str, Any] = field(default_factory=lambda: {"chunks_total": None, "chunks_done": 0})

    def view(self) -> dict[str, Any]:
        return {
            "recipe_id": self.recipe_id,
            "name": self.name,
            "version": self.version,
            "status": self.status,
            "size": self.size,
            "sha256": self.sha256,
            "content_type": self.content_type,
            "created_at": self.created_at,
            "updated_at": self.created_at,
            "progress": self.progress,
            "errors": self.errors,
            "artifact": None,
        }


class FakeApi:
    """State and knobs of the fake; ``url`` is its base URL once started."""

    def __init__(self, *, part_size: int = 1024, single_put_max: int = 1024) -> None:
        self.part_size = part_size
        self.single_put_max = single_put_max
        self.recipes: dict[str, FakeRecipe] = {}
        self.lock = threading.Lock()
        self.part_puts_ok: Counter[int] = Counter()  # part number -> successful PUTs
        self.part_put_attempts = 0
        self.parts_calls = 0
        self.url_generation = 0
        self.min_valid_generation = 0  # URLs from an older GET /parts answer 403 (expired)
        self.fail_parts: dict[int, int] = {}  # part number -> 500s still to return
        self.drop_parts: dict[int, int] = {}  # part number -> connections still to drop
        self.refuse_after: int | None = None  # after this many stored parts, PUTs get 400
        self.hold_after: int | None = None  # after this many stored parts, PUTs wait for `release`
        self.release = threading.Event()
        self.in_flight = 0  # part PUTs being handled
        self.stored = threading.Condition(self.lock)
        self.archive = recipe_archive("arm.ndjson", b'{"step_id": 1}\n' * 100)
        self.corrupt_download = False
        self.page_size = 2
        self.script: list[dict[str, Any]] = []  # states a valid upload steps through on GETs
        self.url = ""
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> FakeApi:
        fake = self

        class Handler(_Handler):
            api = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def wait_stored(self, count: int) -> None:
        """Block until ``count`` part PUTs succeeded (no timing: the test waits on state)."""
        with self.stored:
            self.stored.wait_for(lambda: sum(self.part_puts_ok.values()) >= count)

    def wait_idle(self) -> None:
        """Block until no part PUT is being handled (requests of a killed client ended)."""
        with self.stored:
            self.stored.wait_for(lambda: self.in_flight == 0)

    def recipe(self, recipe_id: str) -> FakeRecipe:
        return self.recipes[recipe_id]

    def only_recipe(self) -> FakeRecipe:
        (recipe,) = self.recipes.values()
        return recipe

    def add_recipe(self, **fields: Any) -> FakeRecipe:
        recipe = FakeRecipe(recipe_id=fields.pop("recipe_id", "r-" + secrets.token_hex(4)), **fields)
        recipe.arrived = recipe.status != "AWAITING_UPLOAD"
        self.recipes[recipe.recipe_id] = recipe
        return recipe


class _Handler(BaseHTTPRequestHandler):
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

    # --- API ------------------------------------------------------------------------

    def do_GET(self) -> None:
        segments, query = self._route()
        if segments[:1] == ["cdn"]:
            body = self.api.archive + (b"x" if self.api.corrupt_download else b"")
            return self._send(200, body, {"Content-Type": "application/zip"})
        if not self._authorized():
            return None
        api = self.api
        if segments == ["recipes"]:
            items = sorted(api.recipes.values(), key=lambda r: r.created_at, reverse=True)
            if "status" in query:
                items = [r for r in items if r.status == query["status"]]
            if "name" in query:
                items = [r for r in items if r.name == query["name"]]
            start = int(query.get("cursor", "0"))
            size = int(query.get("limit", api.page_size))
            page = items[start : start + size]
            more = start + size < len(items)
            return self._send(
                200, {"items": [r.view() for r in page], "next_cursor": str(start + size) if more else None}
            )
        recipe = api.recipes.get(segments[1]) if len(segments) >= 2 else None
        if recipe is None:
            return self._error(404, "not_found", "no such recipe")
        if len(segments) == 2:
            if recipe.after_complete and recipe.arrived:
                step = recipe.after_complete.pop(0) if len(recipe.after_complete) > 1 else recipe.after_complete[0]
                for key, value in step.items():
                    setattr(recipe, key, value)
            return self._send(200, recipe.view())
        if segments[2] == "parts":
            with api.lock:
                api.parts_calls += 1
                api.url_generation += 1
                generation = api.url_generation
            first, count = int(query["first"]), int(query["count"])
            last = min(recipe.part_count, first + count - 1)
            parts = [
                {
                    "part_number": n,
                    "url": f"{api.url}/s3/{recipe.recipe_id}/{n}?gen={generation}&X-Amz-Signature=s3cr3t",
                }
                for n in range(first, last + 1)
            ]
            expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
            return self._send(200, {"parts": parts, "expires_at": expires})
        if segments[2] == "download":
            if recipe.status != "DISTRIBUTED":
                return self._error(409, "not_distributed", f"recipe is {recipe.status}")
            return self._send(
                200,
                {
                    "url": f"{api.url}/cdn/{recipe.recipe_id}.zip",
                    "sha256": hashlib.sha256(api.archive).hexdigest(),
                    "size": len(api.archive),
                    "expires_at": datetime.now(UTC).isoformat(),
                },
            )
        return self._error(404, "not_found", "no such route")

    def do_POST(self) -> None:
        segments, _ = self._route()
        body = self._body()
        if segments == ["dev-tokens"]:  # the local issuer lives on another port; same fake here
            return self._send(200, {"token": f"dev-{json.loads(body)['tenant']}"})
        if not self._authorized():
            return None
        api = self.api
        if segments == ["recipes"]:
            request = json.loads(body)
            if request.get("size", 0) <= 0:
                return self._error(422, "invalid_size", "size must be positive")
            if not NAME.fullmatch(request["name"]):
                problem = {"field": "name", "problem": f"Value error, {NAME_RULE}", "type": "value_error"}
                return self._error(400, "validation_failed", "the body does not match the schema", [problem])
            if any((r.name, r.version) == (request["name"], request.get("version")) for r in api.recipes.values()):
                return self._error(409, "version_taken", f"{request['name']} {request['version']} already exists")
            recipe = api.add_recipe(
                name=request["name"],
                version=request.get("version") or "1",
                size=request["size"],
                sha256=request["sha256"],
                content_type=request["content_type"],
                file_name=request.get("file_name"),
            )
            if recipe.size <= api.single_put_max:
                upload: dict[str, Any] = {
                    "method": "PUT",
                    "url": f"{api.url}/s3/{recipe.recipe_id}/0?gen=0",
                    "headers": {"Content-Type": recipe.content_type},
                }
            else:
                recipe.upload_id = "up-" + secrets.token_hex(4)
                recipe.part_count = -(-recipe.size // api.part_size)
                upload = {
                    "multipart": {
                        "upload_id": recipe.upload_id,
                        "part_size": api.part_size,
                        "part_count": recipe.part_count,
                    }
                }
            return self._send(201, {"recipe_id": recipe.recipe_id, "status": recipe.status, "upload": upload})
        recipe = api.recipes.get(segments[1]) if len(segments) == 3 else None
        if recipe is None:
            return self._error(404, "not_found", "no such recipe")
        if segments[2] == "complete":
            parts = json.loads(body)["parts"]
            numbers = [p["part_number"] for p in parts]
            if numbers != list(range(1, recipe.part_count + 1)) or set(recipe.parts) != set(numbers):
                return self._error(400, "parts_missing", f"got parts {numbers}")
            if any(p["etag"] != _etag(recipe.parts[p["part_number"]]) for p in parts):
                return self._error(400, "etag_mismatch", "an ETag does not match")
            self._arrived(recipe, b"".join(recipe.parts[n] for n in numbers))
            return self._send(200, recipe.view())
        if segments[2] == "abort":
            recipe.status = "ABORTED"
            return self._send(200, recipe.view())
        return self._error(404, "not_found", "no such route")

    def _arrived(self, recipe: FakeRecipe, data: bytes) -> None:
        ok = hashlib.sha256(data).hexdigest() == recipe.sha256 and len(data) == recipe.size
        recipe.arrived = True
        recipe.status = "VALIDATING" if ok else "REJECTED"
        recipe.after_complete = list(self.api.script) if ok else []
        if not ok:
            recipe.errors = [{"code": "checksum_mismatch", "message": "object does not match its sha256"}]

    # --- S3 -------------------------------------------------------------------------

    def do_PUT(self) -> None:
        with self.api.stored:
            self.api.in_flight += 1
        try:
            self._put()
        finally:
            with self.api.stored:
                self.api.in_flight -= 1
                self.api.stored.notify_all()

    def _put(self) -> None:
        segments, query = self._route()
        api = self.api
        recipe = api.recipes[segments[1]]
        number = int(segments[2])
        with api.lock:
            api.part_put_attempts += 1
            stored = sum(api.part_puts_ok.values())
            drop = api.drop_parts.get(number, 0)
            if drop:
                api.drop_parts[number] = drop - 1
        if drop:
            self.close_connection = True
            self.connection.shutdown(2)  # the connection breaks mid-request
            return
        if api.hold_after is not None and stored >= api.hold_after:
            # Held until the test killed the client: that request died with it, whatever
            # bytes of it sit in the socket buffer. S3 stores nothing for it.
            api.release.wait()
            self.close_connection = True
            return
        data = self._body()
        if len(data) != int(self.headers.get("Content-Length") or 0):
            return None  # the client died mid-body: S3 stores nothing
        if number and int(query["gen"]) < api.min_valid_generation:
            return self._send(403, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
        if api.refuse_after is not None and stored >= api.refuse_after:
            return self._send(400, b"<Error><Code>InvalidRequest</Code></Error>")
        with api.lock:
            failures = api.fail_parts.get(number, 0)
            if failures:
                api.fail_parts[number] = failures - 1
        if failures:
            return self._send(500, b"<Error><Code>InternalError</Code></Error>")
        if number == 0:
            self._arrived(recipe, data)
        else:
            recipe.parts[number] = data
        with api.stored:
            api.part_puts_ok[number] += 1
            api.stored.notify_all()
        self._send(200, None, {"ETag": _etag(data)})


def recipe_archive(file_name: str, data: bytes, *, manifest_sha256: str | None = None) -> bytes:
    """A ZIP shaped like the merger's: the recipe file and a manifest describing it."""
    manifest = {"file": {"name": file_name, "size_bytes": len(data), "sha256": manifest_sha256 or _sha(data)}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(file_name, data)
        bundle.writestr("manifest.json", json.dumps(manifest))
    return buffer.getvalue()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _etag(data: bytes) -> str:
    return '"' + hashlib.md5(data).hexdigest() + '"'
