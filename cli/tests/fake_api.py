"""An in-process fake of the upload API and of S3's presigned PUTs, for client tests.

It follows issue 3's contract (routes, bodies, ``{error: {code, message, details}}``) and
lets a test make storage misbehave: fail some part PUTs, expire URLs, drop connections,
or hold part PUTs until the test releases them (to kill a client mid-upload).
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from http.server import ThreadingHTTPServer
from typing import Any

from fake_api_routes import ApiRoutes
from fake_archive import recipe_archive
from fake_http import TOKEN
from fake_recipe import FakeRecipe
from fake_s3 import S3Puts

__all__ = ["TOKEN", "FakeApi", "FakeRecipe", "recipe_archive"]


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


class _Handler(ApiRoutes, S3Puts):
    """The API routes and the S3 PUTs on one port, like the tests' ``url`` expects."""

    api: FakeApi
