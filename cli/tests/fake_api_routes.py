"""The fake's upload API routes (issue 3's contract): list, get, parts, download, create,
complete, abort."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from fake_http import FakeHandler, etag

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
NAME_RULE = "1-128 characters of letters, digits, '.', '_' and '-', starting with a letter or digit"


class ApiRoutes(FakeHandler):
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
            if any(p["etag"] != etag(recipe.parts[p["part_number"]]) for p in parts):
                return self._error(400, "etag_mismatch", "an ETag does not match")
            self._arrived(recipe, b"".join(recipe.parts[n] for n in numbers))
            return self._send(200, recipe.view())
        if segments[2] == "abort":
            recipe.status = "ABORTED"
            return self._send(200, recipe.view())
        return self._error(404, "not_found", "no such route")
