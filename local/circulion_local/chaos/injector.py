"""Decide, per received batch, which faults to inject, and log each one.

The decisions are pure (a seeded :class:`random.Random` and the batch); the event source
applies them with its own SQS client and worker, so this module does no I/O besides the
log line of each fault.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from circulion.sqs_attributes import trace_system_attributes
from circulion_local.chaos.config import ChaosConfig

LOG_PATTERN = re.compile(r"\bchaos (kill|duplicate|delay) (\S+)")
"""Matches one injected fault in the runtime log: group 1 the kind, group 2 the function."""

Message = Mapping[str, Any]


@dataclass(frozen=True)
class Delayed:
    """A message held back: invisible for ``seconds`` more, not handed to the function now."""

    message: Message
    seconds: int


@dataclass(frozen=True)
class Duplicated:
    """A message to be sent to its queue once more, delivered after ``delay_seconds``."""

    message: Message
    delay_seconds: int


@dataclass(frozen=True)
class BatchPlan:
    """What the event source does with one received batch."""

    invoke: tuple[Message, ...]
    delayed: tuple[Delayed, ...] = ()
    duplicated: tuple[Duplicated, ...] = ()
    kill_after_s: float | None = None


def receive_count(message: Message) -> int:
    return int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))


class Chaos:
    """The chaos of one function's polling slot (one generator per slot: no locking)."""

    def __init__(self, config: ChaosConfig, label: str, slot: int = 0, log: logging.Logger | None = None) -> None:
        self.config = config
        self.label = label
        seed = f"{config.seed}:{label}:{slot}" if config.seed is not None else None
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not cryptography
        self._log = log or logging.getLogger("circulion_local")

    def _exposed(self, message: Message) -> bool:
        return receive_count(message) <= self.config.attempts

    def plan(self, messages: Sequence[Message]) -> BatchPlan:
        """Pick this batch's faults (none when chaos does not target this function)."""
        if not self.config.targets(self.label):
            return BatchPlan(invoke=tuple(messages))
        config, rnd = self.config, self._random
        invoke: list[Message] = []
        delayed: list[Delayed] = []
        duplicated: list[Duplicated] = []
        for message in messages:
            exposed = self._exposed(message)
            if exposed and rnd.random() < config.duplicate:
                duplicated.append(Duplicated(message, rnd.randint(0, int(config.delay_max_s))))
            if exposed and rnd.random() < config.delay:
                delayed.append(Delayed(message, rnd.randint(1, max(1, int(config.delay_max_s)))))
            else:
                invoke.append(message)
        kill_after = None
        if invoke and all(self._exposed(m) for m in invoke) and rnd.random() < config.kill:
            kill_after = rnd.uniform(0.0, config.kill_window_s)
        return BatchPlan(tuple(invoke), tuple(delayed), tuple(duplicated), kill_after)

    def logged_delay(self, delayed: Delayed) -> None:
        self._log.info(
            "chaos delay %s message %s by %d s (receive %d)",
            self.label,
            delayed.message.get("MessageId"),
            delayed.seconds,
            receive_count(delayed.message),
        )

    def logged_duplicate(self, duplicated: Duplicated, copy_id: str | None) -> None:
        self._log.info(
            "chaos duplicate %s message %s as %s (delivered in %d s)",
            self.label,
            duplicated.message.get("MessageId"),
            copy_id,
            duplicated.delay_seconds,
        )

    def logged_kill(self, after_s: float, records: int) -> None:
        self._log.info("chaos kill %s worker after %.2f s (%d records come back)", self.label, after_s, records)


def duplicate_request(queue_url: str, duplicated: Duplicated) -> dict[str, Any]:
    """The ``SendMessage`` arguments of a message's copy: body, string attributes, trace."""
    message = duplicated.message
    request: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": str(message.get("Body", ""))}
    attributes = {
        name: {"DataType": str(value.get("DataType", "String")), "StringValue": str(value["StringValue"])}
        for name, value in message.get("MessageAttributes", {}).items()
        if "StringValue" in value
    }
    if attributes:
        request["MessageAttributes"] = attributes
    trace = message.get("Attributes", {}).get("AWSTraceHeader")
    if trace:
        request["MessageSystemAttributes"] = trace_system_attributes(str(trace))
    if duplicated.delay_seconds:
        request["DelaySeconds"] = min(900, duplicated.delay_seconds)
    return request
