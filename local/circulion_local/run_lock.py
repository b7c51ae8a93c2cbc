"""One local stack per state directory: a second ``make run`` leaves the first alone.

The state directory holds the running stack's ``ready.json``, logs and keys. A second run
on it used to delete that ``ready.json`` and then die on the taken ports with a traceback.
Now the first run holds an exclusive ``flock`` on ``run.lock`` for its whole life (the kernel
drops it when the process dies, however it dies), and a second run that cannot take the
lock says who holds it and exits before touching anything.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import IO

from circulion_local.ports import LocalPorts

LOCK_FILE = "run.lock"
DEFAULT_STATE_DIR = Path(".local-state")


def default_state_dir(ports: LocalPorts) -> Path:
    """``.local-state`` for the default ports, ``.local-state/offset-N`` for another offset,
    so ``CIRCULION_PORT_OFFSET=N make run`` beside a running ``make run`` gets its own logs,
    keys and ready file."""
    return DEFAULT_STATE_DIR if ports.offset == 0 else DEFAULT_STATE_DIR / f"offset-{ports.offset}"


class StackAlreadyRunning(Exception):
    """Another process holds the state directory's lock."""

    def __init__(self, state_dir: Path, holder: dict[str, object]) -> None:
        self.state_dir = state_dir
        self.holder = holder
        super().__init__(self.explain())

    def explain(self) -> str:
        pid = self.holder.get("pid", "?")
        offset = self.holder.get("port_offset", "?")
        return (
            f"circulion-local is already running with the state directory {self.state_dir} "
            f"(pid {pid}, port offset {offset}); it was left alone. Use it, stop it (Ctrl-C in its "
            "terminal), or start another stack beside it on other ports: CIRCULION_PORT_OFFSET=N make run"
        )


def acquire(state_dir: Path, ports: LocalPorts) -> IO[str]:
    """Take the state directory's lock; keep the returned file open while the stack runs.

    Raises
    ------
    StackAlreadyRunning
        When another live process holds it.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    handle = (state_dir / LOCK_FILE).open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        try:
            holder = json.loads(handle.read() or "{}")
        except ValueError:
            holder = {}
        handle.close()
        raise StackAlreadyRunning(state_dir, holder if isinstance(holder, dict) else {}) from None
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid(), "port_offset": ports.offset}))
    handle.flush()
    return handle
