"""``python -m circulion_local.emulator_server ARGS``: moto's server, DynamoDB made safe
under concurrency. Takes ``moto.server``'s arguments.

moto 5.2.5's ``transact_write_items`` snapshots every table it touches and, when any of its
conditions fails, restores the snapshots — undoing every write other requests made to those
tables in between (the server handles requests on threads). For us a cancelled transaction
is routine: the merger records a chunk with a conditional marker, so every duplicate
``chunk.processed`` cancels one. Under the chaos soak this erased a recorded plan and
stalled a recipe. Real DynamoDB isolates transactions; here one lock serialises DynamoDB
requests (the emulator holds the GIL anyway, so little throughput is lost), which makes
the snapshot-and-restore harmless. Other services are untouched.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

_DYNAMODB_LOCK = threading.RLock()
_MARK = "_circulion_serialised"


def serialise_dynamodb() -> None:
    """Make every DynamoDB request of this process run alone (idempotent)."""
    from moto.dynamodb.responses import DynamoHandler

    original: Callable[..., Any] = DynamoHandler.call_action
    if getattr(original, _MARK, False):
        return

    def call_action(self: Any) -> Any:
        with _DYNAMODB_LOCK:
            return original(self)

    setattr(call_action, _MARK, True)
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def main(argv: list[str]) -> None:
    from moto.server import main as moto_main

    from circulion_local.emulator_ranges import serve_ranges_in_place

    serialise_dynamodb()
    serve_ranges_in_place()
    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
