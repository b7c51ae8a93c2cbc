"""``@app.schedule`` functions invoked on their schedule, with EventBridge's event.

One thread per scheduled function with one warm worker: an invocation that outlasts its
period delays the next one (missed fires are coalesced into one) rather than overlapping,
and failures are logged, not retried (EventBridge's two async retries are not emulated).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from circulion.lambda_types import scheduled_event
from circulion_local.iam.sessions import RoleSession
from circulion_local.runtime import reporting
from circulion_local.runtime.batch_outcome import verdict
from circulion_local.runtime.functions import FunctionSpec, ScheduleTrigger
from circulion_local.runtime.schedule import Schedule, parse_schedule
from circulion_local.runtime.worker_process import WorkerProcess


class ScheduledFunction:
    """Fires one scheduled function until the runtime stops."""

    def __init__(
        self,
        spec: FunctionSpec,
        environment: Mapping[str, str],
        log_path: Path,
        stopping: threading.Event,
        region: str,
        account: str,
        role: RoleSession | None = None,
    ) -> None:
        if not isinstance(spec.trigger, ScheduleTrigger):
            raise TypeError(f"{spec.label} is not scheduled")
        self.spec = spec
        self.schedule: Schedule = parse_schedule(spec.trigger.expression)
        self._stopping = stopping
        self._region = region
        self._account = account
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[bytes] = log_path.open("ab")
        self._worker = WorkerProcess(spec.app_dir, environment, self._log, role)
        self._thread = threading.Thread(target=self._run, name=spec.label, daemon=True)

    @property
    def rule_arn(self) -> str:
        return f"arn:aws:events:{self._region}:{self._account}:rule/{self.spec.lambda_name}-event"

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)

    def stop_workers(self) -> None:
        self._worker.stop()
        self._log.close()

    def _run(self) -> None:
        created = datetime.now(UTC)
        while not self._stopping.is_set():
            now = datetime.now(UTC)
            fire_at = self.schedule.next_after(now, created)
            if self._stopping.wait((fire_at - now).total_seconds()):
                break
            event = scheduled_event(self.rule_arn, fire_at, self._region, self._account)
            invocation = self._worker.invoke(event, self.spec.settings.timeout_s)
            # a scheduled function's response means nothing to EventBridge
            outcome = verdict([], invocation.status, None, invocation.error)
            reporting.logger().info(reporting.invocation_line(self.spec.label, None, outcome, invocation))
