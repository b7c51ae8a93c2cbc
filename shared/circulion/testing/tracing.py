"""An X-Ray emitter for tests: keeps each segment document as the daemon would receive it."""

from __future__ import annotations

import json
from typing import Any


class CapturingEmitter:
    """Stands in for the SDK's UDP emitter; ``documents`` are the segments sent, decoded."""

    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []

    def send_entity(self, entity: Any) -> None:
        self.documents.append(json.loads(entity.serialize()))

    def set_daemon_address(self, address: str) -> None:
        """The recorder may re-point the emitter; nothing to do here."""
