"""``CirculionClient``: the upload API without presigned-URL plumbing.

Examples
--------
>>> client = CirculionClient("http://127.0.0.1:8000", token)  # doctest: +SKIP
>>> outcome = client.upload_file(Path("arm.ndjson"), name="arm")  # doctest: +SKIP
>>> client.wait(outcome.recipe_id).status  # doctest: +SKIP
'DISTRIBUTED'
"""

from __future__ import annotations

import json
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ValidationError

from circulion_cli.errors import (
    ChecksumMismatch,
    ClientError,
    ConnectionFailed,
    ProcessingFailed,
    ServerError,
    UnexpectedResponse,
    UploadRejected,
    WaitTimedOut,
    api_error,
)
from circulion_cli.files import HashingSink
from circulion_cli.fleet_client import FleetCalls
from circulion_cli.models import (
    FAILED,
    REJECTED,
    CreatedRecipe,
    DownloadLink,
    ErrorResponse,
    PartUrls,
    Recipe,
    RecipePage,
    UploadedPart,
)
from circulion_cli.retry import RetryPolicy, retry_after_s
from circulion_cli.transport import HttpResponse, Transport, UrllibTransport, path_segment

if TYPE_CHECKING:
    from circulion_cli.progress_events import OnNotice, OnProgress
    from circulion_cli.resume import ResumeStore
    from circulion_cli.upload import UploadOutcome

M = TypeVar("M", bound=BaseModel)


class CirculionClient(FleetCalls):
    """Typed client of the upload API.

    Parameters
    ----------
    api_url
        Base URL of the API, e.g. ``http://127.0.0.1:8000``.
    token
        Bearer token (``circulion dev-token`` prints one for the local stack).
    transport
        HTTP port; tests pass one that counts or fails requests.
    retry
        Backoff for idempotent calls and part uploads.
    """

    def __init__(
        self,
        api_url: str,
        token: str | None = None,
        *,
        transport: Transport | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.transport: Transport = transport or UrllibTransport()
        self.retry = retry or RetryPolicy()

    # --- recipes --------------------------------------------------------------------

    def create(
        self,
        *,
        name: str,
        size: int,
        sha256: str,
        content_type: str,
        version: str | None = None,
        file_name: str | None = None,
    ) -> CreatedRecipe:
        """``POST /recipes``: declare a recipe and get where to upload it.

        ``file_name`` (the local file's name) names the file inside the archive."""
        body: dict[str, object] = {"name": name, "size": size, "sha256": sha256, "content_type": content_type}
        if version is not None:
            body["version"] = version
        if file_name is not None:
            body["file_name"] = file_name
        return self._call("POST", "/recipes", CreatedRecipe, body=body, retry=False)

    def part_urls(self, recipe_id: str, first: int, count: int) -> PartUrls:
        """Fresh presigned URLs for parts ``first .. first + count - 1``."""
        path = f"/recipes/{path_segment(recipe_id)}/parts?first={first}&count={count}"
        return self._call("GET", path, PartUrls)

    def complete(self, recipe_id: str, parts: Sequence[UploadedPart]) -> None:
        """``POST /recipes/{id}/complete`` with every part's ETag, in order."""
        body = {"parts": [p.model_dump() for p in sorted(parts, key=lambda p: p.part_number)]}
        self._send("POST", f"/recipes/{path_segment(recipe_id)}/complete", body=body, retry=False)

    def get(self, recipe_id: str) -> Recipe:
        return self._call("GET", f"/recipes/{path_segment(recipe_id)}", Recipe)

    def list(
        self, *, status: str | None = None, name: str | None = None, limit: int | None = None, cursor: str | None = None
    ) -> RecipePage:
        """One page of the tenant's recipes, newest first."""
        params = {"status": status, "name": name, "limit": limit, "cursor": cursor}
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        return self._call("GET", "/recipes" + (f"?{query}" if query else ""), RecipePage)

    def iter_recipes(self, *, status: str | None = None, name: str | None = None) -> Iterator[Recipe]:
        """Every recipe, following cursors."""
        cursor: str | None = None
        while True:
            page = self.list(status=status, name=name, cursor=cursor)
            yield from page.items
            if not page.next_cursor or not page.items:
                return
            cursor = page.next_cursor

    def check_access(self) -> None:
        """One cheap authenticated call: raises :class:`Unauthorized` for a bad token."""
        self._send("GET", "/recipes?limit=1")

    def abort(self, recipe_id: str) -> None:
        """Cancel an unfinished upload."""
        self._send("POST", f"/recipes/{path_segment(recipe_id)}/abort", retry=False)

    def download_link(self, recipe_id: str) -> DownloadLink:
        """A signed CDN URL; :class:`Conflict` until the recipe is distributed."""
        return self._call("GET", f"/recipes/{path_segment(recipe_id)}/download", DownloadLink)

    # --- flows ----------------------------------------------------------------------

    def upload_file(
        self,
        path: Path,
        *,
        name: str,
        version: str | None = None,
        content_type: str = "application/octet-stream",
        resume: ResumeStore | None = None,
        workers: int = 4,
        on_progress: OnProgress | None = None,
        on_notice: OnNotice | None = None,
    ) -> UploadOutcome:
        """Check the token, hash, create, upload (one PUT or parallel parts, resumable) and complete.

        A rerun continues an interrupted upload only when everything that identifies it is
        the same (file, API, tenant, name, version, content type); ``on_notice`` hears when
        an interrupted upload of the same file is left alone because something differs."""
        from circulion_cli.upload import upload_file

        return upload_file(
            self,
            path,
            name=name,
            version=version,
            content_type=content_type,
            store=resume,
            workers=workers,
            on_progress=on_progress,
            on_notice=on_notice,
        )

    def wait(
        self,
        recipe_id: str,
        *,
        on_update: Callable[[Recipe], None] | None = None,
        poll_s: float = 1.0,
        timeout_s: float | None = None,
        raise_on_failure: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> Recipe:
        """Poll until the recipe's status is terminal (:data:`~circulion_cli.models.TERMINAL`).

        Raises
        ------
        UploadRejected, ProcessingFailed
            With ``raise_on_failure``, for those statuses (``ABORTED``/``WITHDRAWN`` are returned).
        WaitTimedOut
            When ``timeout_s`` passes first.
        """
        deadline = None if timeout_s is None else clock() + timeout_s
        while True:
            recipe = self.get(recipe_id)
            if on_update is not None:
                on_update(recipe)
            if recipe.terminal:
                if raise_on_failure:
                    raise_for_outcome(recipe)
                return recipe
            if deadline is not None and clock() >= deadline:
                raise WaitTimedOut(f"recipe {recipe_id} still {recipe.status} after {timeout_s:.0f}s")
            self.retry.sleep(poll_s)

    def download(self, recipe_id: str, dest: Path, *, on_bytes: Callable[[int], None] | None = None) -> DownloadLink:
        """Download the archive to ``dest``, verifying its SHA-256 before it appears there."""
        link = self.download_link(recipe_id)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=dest.parent, prefix=f".{dest.name}.", delete=False) as handle:
            tmp = Path(handle.name)
            sink = HashingSink(handle, on_bytes)
            try:
                response = self.transport.stream(link.url, sink)
            except ClientError:
                tmp.unlink(missing_ok=True)
                raise
        if not 200 <= response.status < 300:
            tmp.unlink(missing_ok=True)
            raise _error_from(response)
        if sink.size != link.size or sink.hexdigest() != link.sha256:
            tmp.unlink(missing_ok=True)
            raise ChecksumMismatch(
                f"downloaded {sink.size} bytes with sha256 {sink.hexdigest()}, expected {link.size} bytes {link.sha256}"
            )
        tmp.replace(dest)
        return link

    # --- plumbing -------------------------------------------------------------------

    def _call(self, method: str, path: str, model: type[M], *, body: object = None, retry: bool | None = None) -> M:
        response = self._send(method, path, body=body, retry=retry)
        try:
            return model.model_validate_json(response.body)
        except ValidationError as exc:
            raise UnexpectedResponse(
                f"{method} {path.split('?', maxsplit=1)[0]}: unexpected response body: {exc}"
            ) from exc

    def _send(self, method: str, path: str, *, body: object = None, retry: bool | None = None) -> HttpResponse:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # Reads are idempotent and retried; writes are sent once (a retried create would
        # make a second recipe).
        idempotent = retry if retry is not None else method == "GET"
        for attempt in range(1, self.retry.max_attempts + 1):
            attempts = self.retry.max_attempts if idempotent else 1
            try:
                response = self.transport.request(method, self.api_url + path, headers=headers, body=data)
            except ConnectionFailed:
                if attempt >= attempts:
                    raise
            else:
                if 200 <= response.status < 300:
                    return response
                # A 429/503 with Retry-After did nothing: any call, a write too, may be sent again.
                wait = retry_after_s(response.status, response.header("Retry-After"), self.retry.max_delay_s)
                error = _error_from(response)
                if wait is not None and attempt < self.retry.max_attempts:
                    self.retry.sleep(wait)
                    continue
                if not isinstance(error, ServerError) or attempt >= attempts:
                    raise error
            self.retry.pause(attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def raise_for_outcome(recipe: Recipe) -> None:
    """Raise :class:`UploadRejected` or :class:`ProcessingFailed` for those statuses."""
    if recipe.status == REJECTED:
        raise UploadRejected(f"recipe {recipe.recipe_id} was rejected", details=recipe.errors)
    if recipe.status == FAILED:
        raise ProcessingFailed(f"recipe {recipe.recipe_id} failed", details=recipe.errors)


def _error_from(response: HttpResponse) -> ClientError:
    try:
        error = ErrorResponse.model_validate_json(response.body).error
    except ValidationError:
        text = response.body[:200].decode("utf-8", "replace").strip()
        return api_error(response.status, None, f"HTTP {response.status}" + (f": {text}" if text else ""))
    return api_error(response.status, error.code, f"{error.message or error.code} ({error.code})", error.details)
