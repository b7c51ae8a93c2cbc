"""What stack tests use to talk to the running local stack.

:class:`Stack` is what the session fixture ``stack`` yields: boto3 clients pointed at the
emulator, queue and topic lookups, event publishing through the same adapter the services
use, and polling helpers that fail with a message instead of hanging.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import pytest
from botocore.config import Config

from circulion.adapters.event_bus import SnsEventBus
from circulion.contracts.envelope import Envelope
from circulion.settings import RESOURCES
from circulion_local.clients import local_client
from circulion_local.ports import LocalPorts

T = TypeVar("T")

READY_FILE = "ready.json"
LOG_FILE = "stack.log"
STOP_GRACE_S = 30.0


@dataclass(eq=False)  # identity: clients are cached per instance
class Stack:
    """The running local stack, as a test sees it.

    Attributes
    ----------
    ports
        Where everything listens (emulator, API, issuer, edge).
    state_dir
        The stack's state directory (keys, logs, ``ready.json``).
    log_path
        The stack process's combined stdout/stderr.
    ready
        The content of ``ready.json`` (outputs, functions, URLs).
    """

    ports: LocalPorts
    state_dir: Path
    log_path: Path
    ready: dict[str, Any] = field(default_factory=dict)

    @property
    def outputs(self) -> dict[str, str]:
        """The provisioned template's outputs (``EventsTopicArn``, ``DistributionId``...)."""
        return dict(self.ready.get("outputs", {}))

    @functools.cache  # noqa: B019 - one Stack per session; clients are reused
    def client(self, service_name: str) -> Any:
        """A boto3 client for the emulator, with the dummy local credentials."""
        retried = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"})
        return local_client(self.ports, service_name, retried)

    def queue_url(self, name: str) -> str:
        return str(self.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])

    def topic_arn(self, name: str = RESOURCES.events_topic) -> str:
        for page in self.client("sns").get_paginator("list_topics").paginate():
            for topic in page["Topics"]:
                if topic["TopicArn"].rsplit(":", 1)[1] == name:
                    return str(topic["TopicArn"])
        raise LookupError(f"no topic {name} on the emulator")

    def publish_event(self, envelope: Envelope) -> None:
        """Publish onto ``circulion-recipe-events`` with the ``type`` attribute, as services do."""
        SnsEventBus(self.client("sns"), self.topic_arn()).publish(envelope)

    def probe_queue(self, event_types: Sequence[str] | None, topic: str = RESOURCES.events_topic) -> str:
        """A fresh queue subscribed to ``topic`` (raw delivery), filtered on ``type``.

        Nothing consumes it, so a test can observe what the topic routes (``None``: every
        message). Returns the queue URL.
        """
        sqs, sns = self.client("sqs"), self.client("sns")
        url = str(sqs.create_queue(QueueName=f"circulion-test-probe-{uuid.uuid4().hex[:12]}")["QueueUrl"])
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes = {"RawMessageDelivery": "true"}
        if event_types is not None:
            attributes["FilterPolicy"] = json.dumps({"type": list(event_types)})
        sns.subscribe(TopicArn=self.topic_arn(topic), Protocol="sqs", Endpoint=arn, Attributes=attributes)
        return url

    def receive_all(
        self, queue_url: str, wait_s: float, *, expected: int | None = None, delete: bool = True
    ) -> list[dict[str, Any]]:
        """Messages arriving on ``queue_url`` within ``wait_s`` seconds (with all attributes).

        Returns early once ``expected`` messages were received. Received messages are
        deleted unless ``delete`` is false (then they reappear after their visibility timeout).
        """
        sqs = self.client("sqs")
        received: list[dict[str, Any]] = []
        deadline = time.monotonic() + wait_s
        while expected is None or len(received) < expected:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            response = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=max(0, min(int(remaining), 5)),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            messages = response.get("Messages", [])
            received.extend(messages)
            if delete and messages:
                sqs.delete_message_batch(
                    QueueUrl=queue_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
                )
        return received

    def wait_until(
        self, predicate: Callable[[], T], timeout: float, interval: float = 0.5, message: str = "condition"
    ) -> T:
        """Poll ``predicate`` until it returns something truthy, and return that.

        Fails the test (with ``message``, the last value and the end of the stack's log)
        when ``timeout`` seconds pass first.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{message}: not met within {timeout:.0f} s (last value {value!r})\n"
                    f"--- end of {self.log_path} ---\n{tail(self.log_path)}"
                )
            time.sleep(interval)


REPO_ROOT = Path(__file__).resolve().parents[2]
EDGE_MAX_TTL_S = float(os.environ.get("CIRCULION_EDGE_MAX_TTL_S", "20"))
"""The edge's TTL ceiling in the stacks tests start: waiting out a TTL takes seconds."""


def start_runtime(command: Sequence[str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """``command`` (a ``circulion_local run``) from the repository root, output to ``log``."""
    return subprocess.Popen(
        list(command),
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "CIRCULION_EDGE_MAX_TTL_S": f"{EDGE_MAX_TTL_S:g}"},
        # A shell's background job inherits SIGINT ignored; the stack must still stop on it.
        preexec_fn=_default_sigint,  # noqa: PLW1509 - only resets one signal before exec
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file ('' when it does not exist)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def read_ready(state_dir: Path) -> dict[str, Any] | None:
    """``ready.json`` once the stack wrote it completely, else ``None``."""
    try:
        return dict(json.loads((state_dir / READY_FILE).read_text()))
    except (OSError, ValueError):
        return None


def stop_process(process: subprocess.Popen[bytes], grace_s: float = STOP_GRACE_S) -> None:
    """SIGINT (what Ctrl-C sends: the stack stops cleanly), then SIGTERM, then SIGKILL."""
    steps: tuple[Callable[[], None], ...] = (
        lambda: process.send_signal(signal.SIGINT),
        process.terminate,
        process.kill,
    )
    for step in steps:
        if process.poll() is not None:
            return
        step()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
