"""Stage times from the lifecycle events every service publishes.

A probe queue subscribed to ``circulion-recipe-events`` (every type, raw delivery, as
the services' own subscriptions) is drained by a thread; each envelope's ``occurred_at``
is when its stage finished, stamped by the service that finished it.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError

from circulion.settings import RESOURCES
from circulion_local.clients import local_client
from circulion_local.emulator.tally import OBSERVER_APP_ID
from circulion_local.ports import LocalPorts


def client(ports: LocalPorts, service: str) -> Any:
    """A client of the benchmark's own: the emulator counts its requests apart from the pipeline's."""
    config = Config(s3={"addressing_style": "path"}, max_pool_connections=20, user_agent_appid=OBSERVER_APP_ID)
    return local_client(ports, service, config)


class EventLog:
    """Every lifecycle event seen since :meth:`start`, by recipe: ``{type: [occurred_at]}``."""

    def __init__(self, ports: LocalPorts) -> None:
        self._sqs = client(ports, "sqs")
        self._sns = client(ports, "sns")
        self._events: dict[str, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._url = ""

    def start(self) -> EventLog:
        name = f"circulion-bench-probe-{uuid.uuid4().hex[:8]}"
        self._url = str(self._sqs.create_queue(QueueName=name)["QueueUrl"])
        arn = self._sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        topic = next(
            t["TopicArn"]
            for page in self._sns.get_paginator("list_topics").paginate()
            for t in page["Topics"]
            if t["TopicArn"].rsplit(":", 1)[1] == RESOURCES.events_topic
        )
        self._sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def times(self, recipe_id: str) -> dict[str, list[datetime]]:
        with self._lock:
            return {k: sorted(v) for k, v in self._events.get(recipe_id, {}).items()}

    def wait_terminal(self, recipe_ids: set[str], timeout_s: float) -> set[str]:
        """Block until every recipe is distributed, rejected or failed; returns those still open."""
        terminal = ("recipe.distributed", "recipe.rejected", "recipe.failed")
        with self._changed:
            self._changed.wait_for(
                lambda: all(any(t in self._events.get(r, {}) for t in terminal) for r in recipe_ids), timeout_s
            )
            return {r for r in recipe_ids if not any(t in self._events.get(r, {}) for t in terminal)}

    def _drain(self) -> None:
        while not self._stop.is_set():
            try:
                response = self._sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            except BotoCoreError:  # the stack is stopping (or gone): nothing more will arrive
                if self._stop.wait(1.0):
                    return
                continue
            messages = response.get("Messages", [])
            for message in messages:
                body = json.loads(message["Body"])
                with self._changed:
                    moment = datetime.fromisoformat(body["occurred_at"])
                    self._events[body["recipe_id"]][body["type"]].append(moment)
                    self._changed.notify_all()
            if messages:
                self._sqs.delete_message_batch(
                    QueueUrl=self._url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
                )
