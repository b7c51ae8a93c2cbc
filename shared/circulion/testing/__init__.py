"""Test support: in-memory fakes of every shared port, and Lambda-shaped event builders."""

from circulion.testing.events import scheduled_event, sqs_event, sqs_record
from circulion.testing.fakes import (
    InMemoryDeadLetters,
    InMemoryEventBus,
    InMemoryObjectStore,
    InMemoryTaskQueue,
)

__all__ = [
    "InMemoryDeadLetters",
    "InMemoryEventBus",
    "InMemoryObjectStore",
    "InMemoryTaskQueue",
    "scheduled_event",
    "sqs_event",
    "sqs_record",
]
