"""Running ``circulion`` in-process, as the command tests do (against the fake API of ``conftest``)."""

from __future__ import annotations

import io
from pathlib import Path

from circulion_cli.commands import Io
from circulion_cli.main import run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def cli(*argv: str, err: io.StringIO | None = None) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``circulion ARGV``."""
    out, err = io.StringIO(), err or io.StringIO()
    code = run(list(argv), Io(out, err))
    return code, out.getvalue(), err.getvalue()
