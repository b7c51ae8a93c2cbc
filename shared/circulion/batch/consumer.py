"""Who consumes a queue and what its dependencies must offer the processor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from circulion.adapters.dead_letters import DeadLetters
from circulion.contracts.envelope import Envelope
from circulion.contracts.events import Stage

M = TypeVar("M", bound=Envelope)
D = TypeVar("D", bound="HasPublisher")


class MessagePublisher(Protocol):
    def publish(self, messages: Sequence[Envelope]) -> None: ...


class HasPublisher(Protocol):
    """What a handler's dependencies must offer the batch processor."""

    @property
    def publisher(self) -> MessagePublisher: ...

    @property
    def dead_letters(self) -> DeadLetters | None: ...


@dataclass(frozen=True)
class Consumer:
    """Who is consuming: names for logs, traces and ``recipe.failed``."""

    service: str
    function: str
    stage: Stage


Handler = Callable[[M, D], Sequence[Envelope]]
"""``handler(message, deps) -> messages to publish``."""
