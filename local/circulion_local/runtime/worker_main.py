"""Subprocess entry point: one warm execution environment of one function.

``python -m circulion_local.runtime.worker_main FD APP_DIR`` imports the handler named by
``_HANDLER`` once (the init phase), says ``ready``, then serves invocations sent by the
runtime over the socket ``FD`` until told to stop or the runtime goes away. The handler's
stdout/stderr are the function's log (a file the runtime chose), framed by Lambda's
``START``/``END``/``REPORT`` lines.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from circulion_local.runtime.context import LambdaContext


def _error(kind: str, exc: BaseException) -> dict[str, Any]:
    return {
        "errorType": kind or type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc),
    }


def resolve_handler(handler_string: str) -> Callable[[Any, Any], Any]:
    """``module.attribute`` as Lambda resolves it (``app.split``)."""
    module_name, _, attribute = handler_string.rpartition(".")
    module = importlib.import_module(module_name)
    handler = getattr(module, attribute)
    if not callable(handler):
        raise TypeError(f"{handler_string} is not callable")
    return handler  # type: ignore[no-any-return]


def _failure(kind: str, exc: BaseException) -> str:
    print(f"[ERROR] {kind}: {exc}", file=sys.stderr)
    traceback.print_exception(exc)
    return json.dumps({"type": "result", "ok": False, "error": _error(kind, exc)})


def _invoke(handler: Callable[[Any, Any], Any], message: dict[str, Any]) -> str:
    """Run one invocation; the encoded reply for the runtime."""
    request_id = str(message["request_id"])
    context = LambdaContext(request_id, int(message["deadline_ms"]))
    print(f"START RequestId: {request_id} Version: $LATEST", flush=True)
    started = time.monotonic()
    try:
        result = handler(message["event"], context)
    except Exception as exc:  # noqa: BLE001 - like Lambda, any handler error becomes an error response
        encoded = _failure(type(exc).__name__, exc)
    else:
        try:  # Lambda serialises the response; a response it cannot serialise is an error
            encoded = json.dumps({"type": "result", "ok": True, "response": result})
        except (TypeError, ValueError) as exc:
            encoded = _failure("Runtime.MarshalError", exc)
    duration = (time.monotonic() - started) * 1000
    print(f"END RequestId: {request_id}", flush=True)
    print(f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms", flush=True)
    sys.stderr.flush()
    return encoded


def main(argv: list[str]) -> int:
    connection = Connection(int(argv[0]))
    app_dir = argv[1]
    os.chdir(app_dir)
    sys.path.insert(0, app_dir)
    try:
        handler = resolve_handler(os.environ["_HANDLER"])
    except Exception as exc:  # noqa: BLE001 - any import failure is Lambda's Runtime.ImportModuleError
        traceback.print_exc()
        connection.send_bytes(
            json.dumps({"type": "init_error", "error": _error("Runtime.ImportModuleError", exc)}).encode()
        )
        return 1
    connection.send_bytes(b'{"type": "ready"}')
    while True:
        try:
            message = json.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return 0  # the runtime is gone: an orphaned worker must not linger
        if message.get("type") != "invoke":
            return 0
        connection.send_bytes(_invoke(handler, message).encode())


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
