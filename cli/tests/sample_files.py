"""Test files for upload tests (a plain module: `conftest` is not importable by name
when several test folders run in one pytest session)."""

from __future__ import annotations

from pathlib import Path

KIB = 1024


def write_file(path: Path, size: int, seed: int = 0) -> Path:
    """Deterministic, non-repeating-per-part content, so a misplaced part changes the hash."""
    block = bytes((i * 31 + seed) % 251 for i in range(size))
    path.write_bytes(block)
    return path
