"""Micro-benchmark: CPU seconds of one chunk worker on one NDJSON chunk, no AWS.

``python -m bench.chunk_worker [--chunk-mib 8] [--repeat 3] [--profile]``

Runs :func:`chalicelib.worker.process` on chunk 1 of a generated stream (a middle chunk:
it reads the header's safety checks, skips a partial record, reads ahead past its end),
reading from memory, and reports the best CPU time of ``--repeat`` runs next to the cost
of the segment alone (SHA-256, CRC-32, deflate: the floor no validation change can lower).
``--dirty`` sprinkles invalid records (one in ``--dirty``) to time the exact path too.
A digest of the verdict (records, step ids, every issue) is printed so two versions of
the code can be compared for identical results, not only for speed.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import pstats
import sys
import tempfile
import time
from pathlib import Path

from bench.inputs import MiB, write_stream

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "splitter"))

from chalicelib.segments import SegmentBuilder
from chalicelib.settings import SplitterSettings
from chalicelib.worker import ChunkResult, process
from circulion.contracts.events import ProcessChunkPayload

_BAD = (
    b'{"step_id":%d,"action":"unscrew","target":"x","parameters":{"torque_nm":900}}',
    b'{"step_id":%d,"action":"pick","target":"x","target":"y","parameters":{"grip_force_n":1}}',
    b"not json %d",
    b'{"step_id":%d,"action":"cut","target":"caf\xc3\xa9","parameters":{"depth_mm":1}}',
)


def make_stream(size: int, dirty: int) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stream.ndjson"
        write_stream(path, size)
        data = path.read_bytes()
    if not dirty:
        return data
    lines = data.split(b"\n")
    for n in range(1 + dirty, len(lines) - 1, dirty):
        lines[n] = _BAD[(n // dirty) % len(_BAD)] % n
    return b"\n".join(lines)


def task_for(data: bytes, chunk: int) -> ProcessChunkPayload:
    return ProcessChunkPayload.model_validate(
        {
            "recipe": {
                "name": "bench",
                "version": "1.0.0",
                "content_type": "application/x-ndjson",
                "size_bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            },
            "kind": "stream",
            "source": {"bucket": "b", "key": "incoming/t/r"},
            "chunk": {"index": 1, "start": chunk, "end": 2 * chunk},
            "total_chunks": 3,
        }
    )


def verdict(result: ChunkResult) -> str:
    text = repr((result.record_count, result.step_ids, result.issues.count, result.issues.kept))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def segment_only(data: bytes, start: int, end: int, cfg: SplitterSettings) -> None:
    builder = SegmentBuilder(level=cfg.deflate_level, last=False)
    for offset in range(start, end, cfg.read_piece_bytes):
        builder.update(data[offset : min(offset + cfg.read_piece_bytes, end)])
    builder.finish()


def best_cpu(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        before = time.process_time()
        fn()  # type: ignore[operator]
        times.append(time.process_time() - before)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunk-mib", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dirty", type=int, default=0, help="one invalid record in N (0: none)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    cfg = SplitterSettings(tracing_enabled=False)
    chunk = args.chunk_mib * MiB
    data = make_stream(3 * chunk, args.dirty)
    task = task_for(data, chunk)

    def read(a: int, b: int) -> bytes:
        return data[a:b]

    result = process(read, task, cfg)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(process, read, task, cfg)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    total = best_cpu(lambda: process(read, task, cfg), args.repeat)
    floor = best_cpu(lambda: segment_only(data, chunk, 2 * chunk, cfg), args.repeat)
    mb = chunk / 1e6
    print(
        f"chunk {args.chunk_mib} MiB, {result.record_count} records, {result.issues.count} issues, "
        f"verdict {verdict(result)}"
    )
    print(f"worker   {total:.3f} CPU-s  {mb / total:6.1f} MB/s  {total * 1024 / args.chunk_mib:6.1f} CPU-s per GiB")
    print(f"segment  {floor:.3f} CPU-s  {mb / floor:6.1f} MB/s  (hash + CRC + deflate only)")
    print(f"validate {total - floor:.3f} CPU-s  ({(total - floor) / total:.0%} of the worker)")


if __name__ == "__main__":
    main()
