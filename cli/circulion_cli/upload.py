"""Uploading one file: hash, create, send (one PUT or parallel parts), complete.

Parts go through a few daemon worker threads, each streaming its byte range from disk
(memory is O(workers x block), not the part size). A failed part is retried with
exponential backoff; a 403 means its presigned URL expired, so the URL is refreshed from
the API and the part re-sent. Every stored part is written to the resume state at once,
so a killed process loses at most the parts in flight.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from circulion_cli.errors import ClientError, ConnectionFailed, NotFound, PartUploadFailed
from circulion_cli.files import RangeReader, sha256_file
from circulion_cli.models import AWAITING_UPLOAD, UPLOADED, MultipartUpload, PartUrl, SinglePut, UploadedPart
from circulion_cli.resume import FileIdentity, ResumeKey, ResumeStore, UploadState, UploadTarget, token_tenant

if TYPE_CHECKING:
    from circulion_cli.client import CirculionClient

URL_BATCH = 50
"""Part URLs fetched per ``GET /parts`` call."""

URL_EXPIRY_MARGIN = timedelta(seconds=30)
"""Refresh a URL this long before it expires rather than race its expiry."""

Phase = Literal["hashing", "uploading"]


@dataclass(frozen=True)
class UploadProgress:
    """Bytes done of total in the current phase; ``already`` were sent by an earlier run."""

    phase: Phase
    done: int
    total: int
    already: int = 0


OnProgress = Callable[[UploadProgress], None]
OnNotice = Callable[[str], None]
"""Told, in a sentence, about a decision the user should know of (e.g. not resuming)."""


@dataclass(frozen=True)
class UploadOutcome:
    recipe_id: str
    parts_sent: int
    parts_skipped: int
    resumed: bool
    sha256: str


def upload_file(
    client: CirculionClient,
    path: Path,
    *,
    name: str,
    version: str | None,
    content_type: str,
    store: ResumeStore | None,
    workers: int,
    on_progress: OnProgress | None,
    on_notice: OnNotice | None = None,
) -> UploadOutcome:
    """See :meth:`CirculionClient.upload_file`."""
    stat = path.stat()
    # A bad token must not cost a multi-GB hashing pass first: one cheap call checks it.
    client.check_access()
    counter = _Counter("hashing", stat.st_size, on_progress)
    sha256 = sha256_file(path, counter.add)
    target = UploadTarget(client.api_url, token_tenant(client.token), name, version, content_type)
    identity = ResumeKey(FileIdentity(path, stat.st_size, stat.st_mtime_ns, sha256), target)

    state = _resumable(client, store, identity)
    if isinstance(state, UploadState) and state.upload_id == _COMPLETED:
        # An earlier run completed (killed before it removed its state): nothing to send.
        return UploadOutcome(state.recipe_id, 0, state.part_count, True, sha256)
    if state is None and store is not None and on_notice is not None:
        for other in store.others(identity):
            on_notice(
                f"not resuming the interrupted upload of this file as {target.of(other).describe()} "
                f"(recipe {other.recipe_id}): this run uploads it as {target.describe()}, so it starts afresh; "
                "run the earlier command again to resume that one"
            )
    resumed = state is not None
    if state is None:
        created = client.create(
            name=name, version=version, size=stat.st_size, sha256=sha256, content_type=content_type, file_name=path.name
        )
        if isinstance(created.upload, SinglePut):
            counter = _Counter("uploading", stat.st_size, on_progress)
            _put_single(client, path, stat.st_size, created.upload, counter)
            return UploadOutcome(created.recipe_id, 1, 0, False, sha256)
        state = _new_state(identity, created.recipe_id, created.upload)
        if store is not None:
            store.save(identity, state)

    missing = state.missing_parts()
    already = sum(_part_length(state, n) for n in state.parts)
    counter = _Counter("uploading", stat.st_size, on_progress, start=already)
    sender = _PartSender(client, path, state, counter, lambda: store.save(identity, state) if store else None)
    sent = sender.run(missing, workers)
    parts = [UploadedPart(part_number=n, etag=etag) for n, etag in sorted(state.parts.items())]
    client.complete(state.recipe_id, parts)
    if store is not None:
        store.delete(identity)
    return UploadOutcome(state.recipe_id, sent, state.part_count - len(missing), resumed, sha256)


_COMPLETED = ""
"""``upload_id`` of the state :func:`_resumable` returns for an upload already completed."""


def _resumable(client: CirculionClient, store: ResumeStore | None, identity: ResumeKey) -> UploadState | None:
    """The state to continue, one marked completed (``upload_id`` empty), or ``None``."""
    if store is None:
        return None
    state = store.load(identity)
    if state is None or state.api_url != client.api_url:
        return None
    try:
        status = client.get(state.recipe_id).status
    except NotFound:  # aborted and gone, or another tenant's token
        status = None
    if status == AWAITING_UPLOAD:
        return state
    store.delete(identity)
    # Completed by the earlier run (killed before it removed its state): nothing to send.
    # Anything else (aborted, rejected, failed, unknown) gets a fresh upload.
    if status in UPLOADED:
        return state.model_copy(update={"upload_id": _COMPLETED})
    return None


def _new_state(identity: ResumeKey, recipe_id: str, upload: MultipartUpload) -> UploadState:
    plan, file, target = upload.multipart, identity.file, identity.target
    return UploadState(
        api_url=target.api_url,
        recipe_id=recipe_id,
        upload_id=plan.upload_id,
        part_size=plan.part_size,
        part_count=plan.part_count,
        size=file.size,
        sha256=file.sha256,
        path=str(file.path.resolve()),
        tenant=target.tenant,
        name=target.name,
        version=target.version,
        content_type=target.content_type,
    )


def _part_length(state: UploadState, number: int) -> int:
    offset = (number - 1) * state.part_size
    return max(0, min(state.part_size, state.size - offset))


def _put_single(client: CirculionClient, path: Path, size: int, upload: SinglePut, counter: _Counter) -> None:
    url = PartUrl(part_number=1, url=upload.url, headers=upload.headers)
    _put_range(client, path, 0, size, lambda refresh: url, counter, label="file")


def _put_range(
    client: CirculionClient,
    path: Path,
    offset: int,
    length: int,
    url_for: Callable[[bool], PartUrl],
    counter: _Counter,
    *,
    label: str,
    cancelled: Callable[[], bool] = lambda: False,
) -> str:
    """PUT one byte range with retries; returns the ETag."""
    policy = client.retry
    refresh = False
    last = "no attempt"
    for attempt in range(1, policy.max_attempts + 1):
        if attempt > 1 and cancelled():
            raise PartUploadFailed(f"{label} abandoned: another part failed")
        target = url_for(refresh)
        headers = {"Content-Type": "application/octet-stream", **target.headers, "Content-Length": str(length)}
        reader = RangeReader(path, offset, length, counter.add)
        try:
            response = client.transport.request("PUT", target.url, headers=headers, body=reader)
        except (ConnectionFailed, OSError) as exc:
            last = str(exc)
            response = None
        finally:
            reader.close()
        if response is not None and 200 <= response.status < 300:
            return (response.header("ETag") or "").strip() or _missing_etag(label)
        counter.add(-reader.sent)  # those bytes will be sent again
        if response is not None:
            last = f"HTTP {response.status}"
            # S3 answers 403 to an expired presigned URL: ask the API for a fresh one.
            refresh = response.status == 403
            if 400 <= response.status < 500 and response.status not in (403, 408, 429):
                raise PartUploadFailed(f"{label} refused by storage: {last} {response.body[:200]!r}")
        if attempt < policy.max_attempts:
            policy.pause(attempt)
    raise PartUploadFailed(f"{label} failed after {policy.max_attempts} attempts ({last}); run again to resume")


def _missing_etag(label: str) -> str:
    raise PartUploadFailed(f"storage accepted {label} but returned no ETag")


class _Counter:
    """Thread-safe byte counter forwarding totals to the progress callback."""

    def __init__(self, phase: Phase, total: int, on_progress: OnProgress | None, start: int = 0) -> None:
        self._phase: Phase = phase
        self._total = total
        self._already = start
        self._done = start
        self._on_progress = on_progress
        self._lock = threading.Lock()
        self.add(0)

    def add(self, delta: int) -> None:
        with self._lock:
            self._done += delta
            if self._on_progress is not None:
                self._on_progress(UploadProgress(self._phase, self._done, self._total, self._already))


class _PartSender:
    """Sends the missing parts with a few workers, recording each ETag as it lands."""

    def __init__(
        self,
        client: CirculionClient,
        path: Path,
        state: UploadState,
        counter: _Counter,
        persist: Callable[[], None],
    ) -> None:
        self._client = client
        self._path = path
        self._state = state
        self._counter = counter
        self._persist = persist
        self._urls: dict[int, PartUrl] = {}
        self._urls_expire: dict[int, datetime | None] = {}
        self._url_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._stop = threading.Event()

    def run(self, numbers: list[int], workers: int) -> int:
        """Send ``numbers``; returns how many parts were sent. Raises the first failure."""
        todo: queue.Queue[int] = queue.Queue()
        for number in numbers:
            todo.put(number)
        results: queue.Queue[ClientError | None] = queue.Queue()
        # Daemon threads: Ctrl-C ends the process at once; the state file already holds
        # every finished part, so nothing but the parts in flight is lost.
        threads = [
            threading.Thread(target=self._work, args=(todo, results), daemon=True)
            for _ in range(max(1, min(workers, len(numbers))))
        ]
        for thread in threads:
            thread.start()
        sent = 0
        for _ in numbers:
            outcome = results.get()
            if outcome is not None:
                self._stop.set()
                # Let the parts in flight land (or fail) so the state is final when the
                # caller sees the error: a library caller may retry at once.
                for thread in threads:
                    thread.join()
                raise outcome
            sent += 1
        return sent

    def _work(self, todo: queue.Queue[int], results: queue.Queue[ClientError | None]) -> None:
        while not self._stop.is_set():
            try:
                number = todo.get_nowait()
            except queue.Empty:
                return
            try:
                self._send(number)
            except ClientError as exc:
                results.put(exc)
                return
            except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
                results.put(PartUploadFailed(f"part {number}: {type(exc).__name__}: {exc}"))
                return
            results.put(None)

    def _send(self, number: int) -> None:
        offset = (number - 1) * self._state.part_size
        length = _part_length(self._state, number)
        etag = _put_range(
            self._client,
            self._path,
            offset,
            length,
            lambda refresh: self._url(number, refresh),
            self._counter,
            label=f"part {number}",
            cancelled=self._stop.is_set,
        )
        with self._state_lock:
            self._state.parts[number] = etag
            self._persist()

    def _url(self, number: int, refresh: bool) -> PartUrl:
        with self._url_lock:
            expires = self._urls_expire.get(number)
            stale = expires is not None and datetime.now(UTC) >= expires - URL_EXPIRY_MARGIN
            if refresh or stale or number not in self._urls:
                count = min(URL_BATCH, self._state.part_count - number + 1)
                batch = self._client.part_urls(self._state.recipe_id, number, count)
                expiry = batch.expires_at
                if expiry is not None and expiry.tzinfo is None:
                    expiry = expiry.replace(tzinfo=UTC)
                for url in batch.parts:
                    self._urls[url.part_number] = url
                    self._urls_expire[url.part_number] = expiry
            if number not in self._urls:
                raise PartUploadFailed(f"the API returned no URL for part {number}")
            return self._urls[number]
