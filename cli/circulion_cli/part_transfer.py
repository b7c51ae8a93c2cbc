"""Sending byte ranges of the local file: one PUT with retries, and parts by a few workers.

Parts go through a few daemon worker threads, each streaming its byte range from disk
(memory is O(workers x block), not the part size). A failed part is retried with
exponential backoff; a 403 means its presigned URL expired, so the URL is refreshed from
the API and the part re-sent. Every stored part is recorded through ``persist`` at once, so
a killed process loses at most the parts in flight.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from circulion_cli.errors import ClientError, ConnectionFailed, PartUploadFailed
from circulion_cli.files import RangeReader
from circulion_cli.models import PartUrl
from circulion_cli.progress_events import OnProgress, Phase, UploadProgress
from circulion_cli.resume import UploadState

if TYPE_CHECKING:
    from circulion_cli.upload_api import UploadApi

URL_BATCH = 50
"""Part URLs fetched per ``GET /parts`` call."""

URL_EXPIRY_MARGIN = timedelta(seconds=30)
"""Refresh a URL this long before it expires rather than race its expiry."""


def part_length(state: UploadState, number: int) -> int:
    offset = (number - 1) * state.part_size
    return max(0, min(state.part_size, state.size - offset))


def put_range(
    client: UploadApi,
    path: Path,
    offset: int,
    length: int,
    url_for: Callable[[bool], PartUrl],
    counter: Counter,
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


class Counter:
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


class PartSender:
    """Sends the missing parts with a few workers, recording each ETag as it lands."""

    def __init__(
        self,
        client: UploadApi,
        path: Path,
        state: UploadState,
        counter: Counter,
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
        length = part_length(self._state, number)
        etag = put_range(
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
