"""Generated chunk inputs for the merger's stack tests: one chunk in memory at a time."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from circulion.contracts.events import StepIdRange

MIB = 1024 * 1024


def asset(total: int, chunk: int) -> tuple[Iterator[bytes], int]:
    """Incompressible chunks, generated one at a time: whole segments are copied server-side."""
    block = random.Random(7).randbytes(MIB)
    repeated = block * (chunk // MIB + 1)
    starts = range(0, total, chunk)
    return ((repeated[: min(chunk, total - s)] for s in starts), len(starts))


def ndjson(total: int, chunk: int) -> tuple[Iterator[bytes], int]:
    """A step stream cut at arbitrary byte offsets; compresses ~20x, so segments are coalesced."""
    line = b'{"step_id": %d, "action": "unscrew", "params": {"torque_nm": 1.2, "screw": "M4"}}\n'
    starts = range(0, total, chunk)

    def pieces() -> Iterator[bytes]:
        buffer, step = b"", 0
        for start in starts:
            want = min(chunk, total - start)
            parts = [buffer]
            have = len(buffer)
            while have < want:
                parts.append(line % step)
                have += len(parts[-1])
                step += 1
            joined = b"".join(parts)
            buffer = joined[want:]
            yield joined[:want]

    return pieces(), len(starts)


STEP_RECORD = re.compile(rb'\n\{"step_id": (\d+),')


def step_ids_inside(piece: bytes) -> StepIdRange | None:
    """The step ids of the records that start inside ``piece``, as a worker reports them.

    A stream whose chunks report no step at all is rejected ``no_steps`` by the merger.
    """
    ids = [int(m.group(1)) for m in STEP_RECORD.finditer(piece)]
    return StepIdRange(first=ids[0], last=ids[-1]) if ids else None
