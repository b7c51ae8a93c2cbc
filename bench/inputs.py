"""Deterministic benchmark inputs, generated at disk speed rather than line by line.

A stream is the example header, then steps cycling through every action (the same lines
as :mod:`circulion.recipes.examples`) with increasing step ids: one byte template per
action, filled with ``%`` in bulk, so 1 GiB takes seconds. An asset is pseudo-random
bytes (a seeded PRNG's 1 MiB block with the block number stamped in), compressible only
a little, like a model file.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from circulion.recipes import ACTIONS, examples

MiB = 1024 * 1024
_SENTINEL = 777_777_777
_BATCH = 20_000


def _templates() -> list[bytes]:
    lines = [examples.line(examples.step(_SENTINEL + i)) for i in range(len(ACTIONS))]
    return [line.replace(str(_SENTINEL + i).encode(), b"%d") for i, line in enumerate(lines)]


def write_stream(path: Path, size: int) -> int:
    """An NDJSON recipe stream of at least ``size`` bytes (whole lines); returns its step count."""
    templates = _templates()
    cycle = len(templates)
    written, step_id = 0, 0
    with path.open("wb") as out:
        written += out.write(examples.line(examples.HEADER))
        while written < size:
            # each template's own id offset: step(i) picks action i % cycle
            block = b"".join(
                templates[(i - _SENTINEL) % cycle] % (i, i) for i in range(step_id + 1, step_id + _BATCH + 1)
            )
            step_id += _BATCH
            written += out.write(block)
    return step_id


def write_asset(path: Path, size: int, seed: int = 11) -> None:
    """``size`` bytes of seeded pseudo-random data (an opaque asset)."""
    block = bytearray(random.Random(seed).randbytes(MiB))
    with path.open("wb") as out:
        for number in range(-(-size // MiB)):
            block[:8] = number.to_bytes(8, "big")
            out.write(block[: min(MiB, size - number * MiB)])


def small_document(index: int, target_bytes: int = 9 * 1024) -> bytes:
    """A valid JSON recipe document of about ``target_bytes``, different for every ``index``."""
    step_bytes = len(examples.line(examples.step(1)))
    steps = max(1, target_bytes // step_bytes)
    first = 1 + index * steps
    document = {**examples.HEADER, "steps": [examples.step(i) for i in range(first, first + steps)]}
    return json.dumps(document, separators=(",", ":")).encode()
