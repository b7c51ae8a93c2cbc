"""DynamoDB served by a process of its own, behind the emulator's one endpoint.

The emulator is one Python process: one core, one GIL. Under the small-recipe benchmark
it was the stack's bottleneck at ~100 % of a core while the machine's second core was
half idle, and DynamoDB — about 30 of a recipe's ~68 requests, each costing moto ~3 ms to
parse, evaluate and serialise — was ~40 % of its work. So the emulator starts a second
moto server for DynamoDB alone, on a Unix socket, and forwards every DynamoDB request
(``X-Amz-Target: DynamoDB_20120810.*``) to it byte for byte: clients still see one
endpoint, and DynamoDB's state lives in one place (requests there stay serialised, see
:func:`circulion_local.emulator.serialised.serialise_dynamodb`).

The DynamoDB process dies with the emulator (``PR_SET_PDEATHSIG``); if it is gone,
DynamoDB requests answer 502 and the SDKs retry. The forwarding is WSGI middleware around
moto's dispatcher (:class:`ForwardDynamoDB`), not a patch.
"""

from __future__ import annotations

import contextlib
import http.client
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from circulion_local.emulator.process import die_with_parent
from circulion_local.readiness import wait_until_answering

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]

TARGET_PREFIXES = ("DynamoDB_20120810.", "DynamoDBStreams_20120810.")
SERVE_FLAG = "--dynamodb-socket"
"""``python -m circulion_local.emulator.server --dynamodb-socket PATH``: the DynamoDB process."""
START_TIMEOUT_S = 30.0
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket."""

    def __init__(self, path: str, timeout: float = 900.0) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def start_dynamodb_process(socket_path: Path) -> subprocess.Popen[bytes]:
    """Start the DynamoDB server on ``socket_path`` and wait until it answers."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "circulion_local.emulator.server", SERVE_FLAG, str(socket_path)],
        stdin=subprocess.DEVNULL,
        preexec_fn=die_with_parent,  # noqa: PLW1509 - only calls prctl before exec
    )
    if not wait_until_answering(process, lambda: _answers(socket_path), START_TIMEOUT_S, interval_s=0.05):
        process.kill()
        raise RuntimeError(f"the DynamoDB emulator process did not start on {socket_path}")
    return process


class ForwardDynamoDB:
    """WSGI middleware: DynamoDB requests go to the process on ``socket_path``, others to ``app``."""

    def __init__(self, app: WSGIApp, socket_path: Path) -> None:
        self._app = app
        self._socket_path = socket_path

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(TARGET_PREFIXES):
            return self._app(environ, start_response)
        status, headers, body = _forward(self._socket_path, environ)
        start_response(status, headers)
        return [body]


def _forward(socket_path: Path, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """One request to the DynamoDB process (a connection each: werkzeug closes after one answer)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {name[5:].replace("_", "-"): str(value) for name, value in environ.items() if name.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["CONTENT-TYPE"] = str(environ["CONTENT_TYPE"])
    headers["CONTENT-LENGTH"] = str(len(body))
    path = str(environ.get("PATH_INFO", "/")) + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
    connection = UnixHTTPConnection(str(socket_path))
    try:
        connection.request(str(environ["REQUEST_METHOD"]), path, body, headers)
        response = connection.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        message = b'{"__type":"ServiceUnavailable","message":"the DynamoDB emulator process is gone"}'
        return "502 Bad Gateway", [("Content-Type", "application/x-amz-json-1.0")], message
    finally:
        connection.close()
    kept = [(name, value) for name, value in response.getheaders() if name.lower() not in _HOP_BY_HOP]
    return f"{response.status} {response.reason}", [*kept, ("Content-Length", str(len(data)))], data


def serve(socket_path: Path) -> None:
    """Run moto's server for DynamoDB on ``socket_path`` (the body of the DynamoDB process)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.suppress(FileNotFoundError):
        socket_path.unlink()

    class UnixSocketHandler(MotoRequestHandler):
        disable_nagle_algorithm = False  # TCP_NODELAY is no option of a Unix socket

    from circulion_local.emulator.tally import tally_if_asked

    app = tally_if_asked(DomainDispatcherApplication(create_backend_app), dynamodb=True)
    run_simple(f"unix://{socket_path}", 0, app, threaded=True, request_handler=UnixSocketHandler)


def _answers(socket_path: Path) -> bool:
    connection = UnixHTTPConnection(str(socket_path), timeout=1.0)
    try:
        connection.request("GET", "/moto-api/")
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
