"""Temporary credentials of a role, as Lambda hands them to a function's processes.

The runtime assumes each function's role (``sts:AssumeRole`` with the account's root key,
as the Lambda service does with the function's execution role) and starts the function's
worker processes with the session in ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and
``AWS_SESSION_TOKEN``. Sessions last :data:`SESSION_S` (``CIRCULION_ROLE_SESSION_S``);
the emulator refuses them after that (:mod:`circulion_local.iam.enforcement`).

Refreshing: a warm worker whose credentials come within :data:`REFRESH_MARGIN_S` of their
expiry is stopped before its next invocation, which cold-starts a new process with a new
session (:meth:`RoleSession.current`). Lambda refreshes a long-lived environment's
credentials in place; restarting instead keeps a process's environment immutable, costs
one cold start per worker per session, and cannot leave a process holding stale keys.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SESSION_S = int(os.environ.get("CIRCULION_ROLE_SESSION_S", "3600"))
REFRESH_MARGIN_S = min(300, SESSION_S // 4)


@dataclass(frozen=True)
class SessionCredentials:
    """One session of a role."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: float
    """Epoch seconds."""

    def environment(self) -> dict[str, str]:
        """The variables a process reads them from (the SDKs' environment provider)."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }

    def fresh(self, now: float, margin_s: float = REFRESH_MARGIN_S) -> bool:
        """Whether they stay valid for ``margin_s`` more seconds."""
        return self.expires_at - now > margin_s


class RoleSession:
    """A role's current credentials, assumed again when they come close to expiring (thread-safe)."""

    def __init__(
        self,
        sts: Any,
        role_arn: str,
        session_name: str,
        *,
        duration_s: int = SESSION_S,
        margin_s: float = REFRESH_MARGIN_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.role_arn = role_arn
        self._sts = sts
        self._session_name = session_name[:64]
        self._duration_s = duration_s
        self.margin_s = margin_s
        self._clock = clock
        self._lock = threading.Lock()
        self._current: SessionCredentials | None = None

    def current(self) -> SessionCredentials:
        """Credentials valid for at least the margin (a new session when needed)."""
        with self._lock:
            if self._current is None or not self._current.fresh(self._clock(), self.margin_s):
                self._current = self._assume()
            return self._current

    def stale(self, credentials: SessionCredentials) -> bool:
        """Whether a process started with ``credentials`` must be replaced before its next use."""
        return not credentials.fresh(self._clock(), self.margin_s)

    def _assume(self) -> SessionCredentials:
        answer = self._sts.assume_role(
            RoleArn=self.role_arn, RoleSessionName=self._session_name, DurationSeconds=self._duration_s
        )["Credentials"]
        return SessionCredentials(
            access_key_id=answer["AccessKeyId"],
            secret_access_key=answer["SecretAccessKey"],
            session_token=answer["SessionToken"],
            expires_at=answer["Expiration"].timestamp(),
        )
