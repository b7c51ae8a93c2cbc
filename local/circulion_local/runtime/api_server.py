"""The upload app's routes on localhost, served by Chalice's local server in its own process.

The server runs with the environment of the app's REST API function (``api_handler``), in
its own session (Ctrl-C reaches the runtime, which stops it), and exits on its own when
the runtime that started it goes away.

Entry point: ``python -m circulion_local.runtime.api_server APP_DIR PORT``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from circulion_local.ports import HOST
from circulion_local.readiness import wait_until_answering

START_TIMEOUT_S = 60.0
LISTEN_BACKLOG = 128


class ApiServer:
    """The runtime's handle on the API server process."""

    def __init__(self, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
        self._process = process
        self._log = log

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        self._log.close()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


def start_api_server(app_dir: Path, port: int, environment: Mapping[str, str], log_path: Path) -> ApiServer:
    """Start serving ``app_dir``'s routes on ``port``; returns once the port accepts connections."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "circulion_local.runtime.api_server", str(app_dir), str(port), str(os.getpid())],
        cwd=app_dir,
        env=dict(environment),
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = ApiServer(process, log)
    if not wait_until_answering(process, lambda: _listening(port), START_TIMEOUT_S, interval_s=0.2):
        server.stop()
        raise RuntimeError(f"the API server did not start on port {port}; see {log_path}")
    return server


def _exit_with_parent(parent_pid: int) -> None:
    # No PR_SET_PDEATHSIG in the standard library: watch for re-parenting instead.
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(0)


def main(argv: list[str]) -> int:
    from chalice.cli.factory import CLIFactory
    from chalice.local import create_local_server

    app_dir, port, parent_pid = argv[0], int(argv[1]), int(argv[2])
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    os.chdir(app_dir)
    # The process environment already holds the stage config (layered by the runtime);
    # a throwaway mapping keeps Chalice from re-applying it over the stack's variables.
    factory = CLIFactory(project_dir=app_dir, environ={})
    config = factory.create_config_obj(chalice_stage_name="local")
    server = create_local_server(config.chalice_app, config, HOST, port)
    # Chalice's server listens with socketserver's backlog of 5: a burst of concurrent clients
    # (40 creates of one name) was reset. API Gateway queues them; a deeper backlog does too.
    server.server.socket.listen(LISTEN_BACKLOG)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
