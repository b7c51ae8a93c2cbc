"""``circulion ops --watch``: redraw the snapshot in place, like ``top``.

On a terminal the screen switches to the alternate buffer (restored on exit, as ``top``
does) and each refresh overwrites the previous one line by line, cut to the window's size.
Without a terminal (a pipe, a log file) each refresh is printed after the last as plain
lines (``--json``: one compact JSON document per line). A refresh that fails (the endpoint
restarting, a throttled call) shows the error and the watch carries on. Ctrl-C ends the
watch with 0.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from circulion.errors import CirculionError
from circulion_cli.console import OK, Io

if TYPE_CHECKING:
    from circulion_cli.ops_snapshot import OpsSnapshot

ALTERNATE_SCREEN, MAIN_SCREEN = "\x1b[?1049h", "\x1b[?1049l"
HOME, CLEAR_LINE, CLEAR_BELOW = "\x1b[H", "\x1b[K", "\x1b[J"
HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"


def frame(text: str, columns: int, rows: int) -> str:
    """One redraw: home, each line cut to the window and cleared to its end, the rest cleared."""
    lines = [line[:columns] + CLEAR_LINE for line in text.splitlines()[: max(1, rows - 1)]]
    return HOME + "\n".join(lines) + "\n" + CLEAR_BELOW


def watch(take: Callable[[], OpsSnapshot], io: Io, interval_s: float, *, as_json: bool) -> int:
    from circulion_cli.ops_render import render_snapshot

    terminal = io.out.isatty() and not as_json
    if terminal:
        io.out.write(ALTERNATE_SCREEN + HIDE_CURSOR)
    try:
        while True:
            document: dict[str, object]
            try:
                snapshot = take()
            except CirculionError as exc:
                text = f"circulion ops: refresh failed: {exc.message} (retrying)"
                document = {"error": exc.message}
            else:
                text, document = render_snapshot(snapshot), snapshot.as_json()
            if as_json:
                io.out.write(json.dumps(document, default=str) + "\n")
            elif terminal:
                size = shutil.get_terminal_size()
                footer = f"\nrefresh every {interval_s:g} s  ·  Ctrl-C quits"
                io.out.write(frame(text + footer, size.columns, size.lines))
            else:
                io.out.write(text + "\n\n")
            io.out.flush()
            time.sleep(interval_s)
    except KeyboardInterrupt:
        return OK
    finally:
        if terminal:
            io.out.write(SHOW_CURSOR + MAIN_SCREEN)
            io.out.flush()
