"""Renewing the merge lease while the merge runs, so the lease itself can be short.

The lease used to outlast the function timeout (630 s) so that it only expired once its
holder was certainly dead, which made a crashed merge wait eleven minutes for a successor.
Now the lease is short (:attr:`MergerSettings.lease_seconds`) and a daemon thread renews it
every :attr:`MergerSettings.lease_renew_every_seconds` while its holder works: a live
holder never loses it, a dead one (killed, timed out) stops renewing and its lease expires
within one lease length. A renewal that finds the lease taken stops; the holder's commit
is conditional on the lease and fails on its own (``LeaseLost``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

from chalicelib.ledger import Job, with_lease
from chalicelib.ledger_store import LedgerStore
from circulion import log

_log = logging.getLogger(__name__)


class LeaseHeartbeat:
    """A context manager renewing ``owner``'s lease on ``leased`` until it exits."""

    def __init__(
        self,
        ledger: LedgerStore,
        leased: Job,
        owner: str,
        *,
        lease_seconds: float,
        every_seconds: float,
        clock: Callable[[], float],
    ) -> None:
        self._ledger = ledger
        self._job = leased
        self._owner = owner
        self._lease_seconds = lease_seconds
        self._every = every_seconds
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{leased.recipe_id}", daemon=True)
        self.renewals = 0
        self.lost = False

    def __enter__(self) -> LeaseHeartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                renewed = self._ledger.replace(
                    self._job,
                    with_lease(self._job, self._owner, self._clock(), self._lease_seconds),
                    lease_owner=self._owner,
                )
            except Exception:  # noqa: BLE001 - a missed renewal is retried next beat; the lease has slack
                _log.warning("could not renew the merge lease", exc_info=True)
                continue
            if renewed is None:
                self.lost = not self._stop.is_set()  # after stop: our own commit ended the lease
                if self.lost:
                    _log.warning("merge lease lost", extra=log.fields(recipe_id=self._job.recipe_id))
                return
            self._job = renewed
            self.renewals += 1
