"""The envelope every message on the bus travels in.

A message is an :class:`Envelope` subclass that pins ``type`` to a literal and ``payload``
to its own model. Consumers ignore fields they do not know (so producers may add optional
fields without a version bump); anything else is a new ``schema_version``.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["events", "work"]
"""Where a message goes: the ``recipe-events`` topic, or the splitter's work queue."""


class Payload(BaseModel):
    """Base of every payload: frozen, tolerant of unknown fields."""

    model_config = ConfigDict(frozen=True, extra="ignore")


E = TypeVar("E", bound="Envelope")


def _new_event_id() -> str:
    return str(uuid.uuid4())


def _now() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """Fields common to every message.

    Attributes
    ----------
    event_id
        Unique per emission. Never an idempotency key: consumers dedupe on business keys.
    trace_header
        The X-Ray trace header of the span that emitted the message, so the next hop
        joins the same trace.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    channel: ClassVar[Channel] = "events"

    event_id: str = Field(default_factory=_new_event_id)
    type: str
    schema_version: int = 1
    occurred_at: datetime = Field(default_factory=_now)
    recipe_id: str = Field(min_length=1, max_length=64)
    tenant_id: str = Field(min_length=1, max_length=128)
    trace_header: str | None = None
    payload: Payload

    def follow(self, cls: builtins.type[E], payload: Payload, **fields: Any) -> E:
        """Build the next message in this recipe's flow, carrying its identity and trace."""
        # `type` is a field here, so the builtin is spelt out in the signature.
        return cls.model_validate(
            {
                "recipe_id": self.recipe_id,
                "tenant_id": self.tenant_id,
                "trace_header": self.trace_header,
                "payload": payload,
                **fields,
            }
        )

    def with_trace(self, trace_header: str | None) -> Self:
        """The same message with a new trace header (set when it leaves a span)."""
        if trace_header is None or trace_header == self.trace_header:
            return self
        return self.model_copy(update={"trace_header": trace_header})

    def to_json(self) -> str:
        return self.model_dump_json()
