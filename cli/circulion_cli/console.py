"""Where a command writes, and the exit codes it returns (every command module uses both)."""

from __future__ import annotations

import json
import sys
from typing import TextIO

OK, FAILED_EXIT = 0, 1


class Io:
    """Where a command writes; tests pass string buffers."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def json(self, document: object) -> None:
        self.out.write(json.dumps(document, indent=2, default=str) + "\n")

    def say(self, text: str) -> None:
        self.out.write(text + "\n")

    def note(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()
