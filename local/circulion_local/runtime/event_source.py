"""The SQS event source mapping: poll a queue, invoke the function, delete what succeeded.

Each function gets ``concurrency`` slots; a slot is a thread with its own warm worker
process, so at most ``concurrency`` invocations of the function run at once, exactly as
``maximum_concurrency`` caps Lambda's pollers. A slot long-polls, gathers up to the
function's batch size (receiving again within ``maximum_batching_window_in_seconds``),
invokes, and deletes only the records the verdict says succeeded. Failed records are left
alone: the queue's visibility timeout brings them back, and its redrive policy moves them
to the DLQ after ``maxReceiveCount`` receives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from botocore.exceptions import BotoCoreError, ClientError

from circulion_local.chaos import BatchPlan, Chaos, ChaosConfig
from circulion_local.chaos.injector import duplicate_request
from circulion_local.iam.sessions import RoleSession
from circulion_local.runtime import reporting
from circulion_local.runtime.batch_outcome import verdict
from circulion_local.runtime.functions import FunctionSpec, SqsTrigger
from circulion_local.runtime.records import RECEIVE_ARGUMENTS, sqs_event
from circulion_local.runtime.worker_process import WorkerProcess

POLL_WAIT_S = 5
"""Long-poll wait. Shorter than SQS's 20 s maximum so a stopping runtime's pollers return
soon even if the emulator outlives them."""

SQS_RECEIVE_MAX = 10
IDLE_WORKER_S = 300.0
"""A worker idle this long is stopped (Lambda reclaims idle environments too); the next
message cold-starts a new one. Keeps a dozen functions from pinning a dozen processes."""
ERROR_BACKOFF_S = 2.0


@dataclass(frozen=True)
class QueueBinding:
    """The resolved queue of an SQS-triggered function."""

    url: str
    arn: str
    region: str


def resolve_queue(sqs: Any, trigger: SqsTrigger, region: str) -> QueueBinding:
    """Look up the trigger's queue; raises the client's error when it does not exist."""
    url = sqs.get_queue_url(QueueName=trigger.queue_name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return QueueBinding(url=url, arn=arn, region=region)


class SqsEventSource:
    """Runs one SQS-triggered function: ``concurrency`` polling slots, each with a worker."""

    def __init__(
        self,
        spec: FunctionSpec,
        sqs: Any,
        queue: QueueBinding,
        environment: Mapping[str, str],
        log_path: Path,
        concurrency: int,
        stopping: threading.Event,
        chaos: ChaosConfig | None = None,
        role: RoleSession | None = None,
    ) -> None:
        if not isinstance(spec.trigger, SqsTrigger):
            raise TypeError(f"{spec.label} is not SQS-triggered")
        self.spec = spec
        self.trigger: SqsTrigger = spec.trigger
        self.queue = queue
        self.concurrency = concurrency
        self._sqs = sqs
        self._environment = dict(environment)
        self._stopping = stopping
        self._chaos = chaos or ChaosConfig()
        self._role = role
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[bytes] = log_path.open("ab")
        self._threads: list[threading.Thread] = []
        self._workers: list[WorkerProcess] = []

    def start(self) -> None:
        for index in range(self.concurrency):
            worker = WorkerProcess(self.spec.app_dir, self._environment, self._log, self._role)
            self._workers.append(worker)
            chaos = Chaos(self._chaos, self.spec.label, index, reporting.logger())
            thread = threading.Thread(
                target=self._slot, args=(worker, chaos), name=f"{self.spec.label}#{index}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def join(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def stop_workers(self) -> None:
        """Stop every worker (after the slots stopped, or to force them)."""
        for worker in self._workers:
            worker.release()  # all idle workers start exiting at once
        for worker in self._workers:
            worker.stop()
        self._log.close()

    def _receive(self, max_messages: int, wait_s: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=self.queue.url, MaxNumberOfMessages=max_messages, WaitTimeSeconds=wait_s, **RECEIVE_ARGUMENTS
        )
        return list(response.get("Messages", []))

    def receive_batch(self) -> list[dict[str, Any]]:
        """One batch as Lambda's poller gathers it (empty after an idle long poll)."""
        batch_size = self.trigger.batch_size
        messages = self._receive(min(SQS_RECEIVE_MAX, batch_size), POLL_WAIT_S)
        if not messages or self.trigger.batching_window_s == 0:
            return messages  # without a window Lambda invokes with what one receive gave
        deadline = time.monotonic() + self.trigger.batching_window_s
        while len(messages) < batch_size and not self._stopping.is_set():
            remaining = deadline - time.monotonic()
            wait_s = max(0, min(POLL_WAIT_S, int(remaining)))
            more = self._receive(min(SQS_RECEIVE_MAX, batch_size - len(messages)), wait_s)
            messages.extend(more)
            if not more and remaining < 1:
                break
        return messages

    def _delete(self, messages: list[dict[str, Any]], succeeded: set[str]) -> None:
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(messages)
            if m["MessageId"] in succeeded
        ]
        for start in range(0, len(entries), SQS_RECEIVE_MAX):
            response = self._sqs.delete_message_batch(
                QueueUrl=self.queue.url, Entries=entries[start : start + SQS_RECEIVE_MAX]
            )
            for failure in response.get("Failed", []):
                reporting.logger().warning(
                    "%s: could not delete a message: %s", self.spec.label, failure.get("Message", failure)
                )

    def _apply_chaos(self, chaos: Chaos, plan: BatchPlan) -> None:
        """Hold back and duplicate what the plan says (the kill happens during the invocation)."""
        for delayed in plan.delayed:
            self._sqs.change_message_visibility(
                QueueUrl=self.queue.url,
                ReceiptHandle=delayed.message["ReceiptHandle"],
                VisibilityTimeout=delayed.seconds,
            )
            chaos.logged_delay(delayed)
        for duplicated in plan.duplicated:
            sent = self._sqs.send_message(**duplicate_request(self.queue.url, duplicated))
            chaos.logged_duplicate(duplicated, sent.get("MessageId"))

    def _slot(self, worker: WorkerProcess, chaos: Chaos) -> None:
        log = reporting.logger()
        last_used = time.monotonic()
        while not self._stopping.is_set():
            try:
                messages = self.receive_batch()
            except (BotoCoreError, ClientError) as exc:
                if self._stopping.is_set():
                    break
                log.warning("%s: receive failed: %s", self.spec.label, exc)
                self._stopping.wait(ERROR_BACKOFF_S)
                continue
            if not messages:
                if worker.alive and time.monotonic() - last_used > IDLE_WORKER_S:
                    worker.stop()
                continue
            if self._stopping.is_set():
                break  # received while stopping: the messages come back after their visibility timeout
            plan = chaos.plan(messages)
            if plan.delayed or plan.duplicated:
                try:
                    self._apply_chaos(chaos, plan)
                except (BotoCoreError, ClientError) as exc:
                    log.warning("%s: chaos could not be applied: %s", self.spec.label, exc)
                messages = [dict(m) for m in plan.invoke]
                if not messages:
                    continue
            ids = [str(m["MessageId"]) for m in messages]
            invocation = worker.invoke(
                sqs_event(messages, self.queue.arn, self.queue.region), self.spec.settings.timeout_s, plan.kill_after_s
            )
            if invocation.chaos_killed and plan.kill_after_s is not None:
                chaos.logged_kill(plan.kill_after_s, len(messages))
            last_used = time.monotonic()
            outcome = verdict(ids, invocation.status, invocation.response, invocation.error)
            try:
                self._delete(messages, set(outcome.succeeded))
            except (BotoCoreError, ClientError) as exc:
                log.warning("%s: delete failed: %s", self.spec.label, exc)
            log.info(reporting.invocation_line(self.spec.label, len(messages), outcome, invocation))
        worker.stop()
