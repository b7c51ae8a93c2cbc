"""DynamoDB requests run one at a time in the DynamoDB process.

moto 5.2.5's ``transact_write_items`` snapshots every table it touches and, when any of its
conditions fails, restores the snapshots — undoing every write other requests made to those
tables in between (the server handles requests on threads). For us a cancelled transaction
is routine: the merger records a chunk with a conditional marker, so every duplicate
``chunk.processed`` cancels one. Under the chaos soak this erased a recorded plan and
stalled a recipe. Real DynamoDB isolates transactions; here one lock serialises DynamoDB
requests (the emulator holds the GIL anyway, so little throughput is lost), which makes
the snapshot-and-restore harmless (reported upstream: docs/UPSTREAM.md).

Assumed: every DynamoDB request goes through ``DynamoHandler.call_action``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from circulion_local.emulator import patches

_DYNAMODB_LOCK = threading.RLock()


def serialise_dynamodb() -> None:
    """Make every DynamoDB request of this process run alone (once)."""
    from moto.dynamodb.responses import DynamoHandler

    original: Callable[..., Any] = patches.original(DynamoHandler, "call_action")

    def call_action(self: Any) -> Any:
        with _DYNAMODB_LOCK:
            return original(self)

    patches.patch(DynamoHandler, "call_action", call_action)
