"""What an upload tells its caller while it runs: progress of each phase, and notices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Phase = Literal["hashing", "uploading"]


@dataclass(frozen=True)
class UploadProgress:
    """Bytes done of total in the current phase; ``already`` were sent by an earlier run."""

    phase: Phase
    done: int
    total: int
    already: int = 0


OnProgress = Callable[[UploadProgress], None]
OnNotice = Callable[[str], None]
"""Told, in a sentence, about a decision the user should know of (e.g. not resuming)."""
