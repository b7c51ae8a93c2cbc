"""Peak memory of ``process_chunk`` on a 1 GB recipe, as Lambda would run it.

Starts its own emulator (moto server) unless ``--endpoint`` is given, uploads a generated
NDJSON stream (and an asset) of ``--size-mb`` MB, then runs the real handler for a few
chunks, each in a fresh process (a cold Lambda), and reports each process's peak RSS
against the target ``3 x chunk size + 150 MB``.

    cd services/splitter && ../../.venv/bin/python bench_memory.py [--size-mb 1024] [--port 4867]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MiB = 1024 * 1024
HERE = Path(__file__).resolve().parent


def _env(endpoint: str, chunk_size: int) -> dict[str, str]:
    return {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "CIRCULION_TRACING_ENABLED": "false",
        "CIRCULION_LOG_LEVEL": "WARNING",
        "CIRCULION_CHUNK_SIZE_BYTES": str(chunk_size),
    }


def child(task_json: str) -> None:
    """Run one chunk task through the real handler; print peak RSS as JSON."""
    sys.path.insert(0, str(HERE))
    from chalicelib import bootstrap, handlers
    from circulion.contracts.events import ProcessChunk

    task = ProcessChunk.model_validate_json(task_json)
    deps = bootstrap.deps()
    import psutil

    baseline = psutil.Process().memory_info().rss  # resident now, after imports and wiring
    started = time.monotonic()
    (event,) = handlers.process_chunk(task, deps)
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    payload = json.loads(event.to_json())["payload"]
    print(json.dumps({"baseline": baseline, "peak": peak, "seconds": elapsed, "records": payload["record_count"]}))


def write_stream(path: Path, size: int) -> None:
    from circulion.recipes import examples

    template = b'{"step_id":%d,"action":"unscrew","target":"screw-%d","parameters":{"torque_nm":2.5,"turns":8.0}}\n'
    with path.open("wb") as out:
        out.write(examples.line(examples.HEADER))
        written, step_id = 0, 0
        while written < size:
            block = b"".join(template % (i, i) for i in range(step_id + 1, step_id + 20_001))
            step_id += 20_000
            out.write(block)
            written += len(block)


def write_asset(path: Path, size: int) -> None:
    block = hashlib.sha256(b"asset").digest() * (MiB // 32)
    with path.open("wb") as out:
        for _ in range(size // MiB):
            out.write(os.urandom(4096) + block[4096:])


def _client(service: str, endpoint: str) -> Any:
    import boto3

    from circulion_local.ports import LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=LOCAL_ACCESS_KEY,
        aws_secret_access_key=LOCAL_SECRET_KEY,
    )


def _provision(endpoint: str) -> None:
    s3 = _client("s3", endpoint)
    for bucket in ("circulion-uploads", "circulion-work"):
        s3.create_bucket(Bucket=bucket)
    # bootstrap looks the work queue up (the handler itself only reads and writes S3)
    _client("sqs", endpoint).create_queue(QueueName="circulion-splitter-work")


def _task(kind: str, size: int, span: Any, total: int) -> str:
    from circulion.contracts.events import ObjectRef, ProcessChunk, ProcessChunkPayload, RecipeDescription

    return ProcessChunk(
        recipe_id=f"bench-{kind}",
        tenant_id="bench",
        payload=ProcessChunkPayload(
            recipe=RecipeDescription(name="bench", version="1.0.0", content_type="x", size_bytes=size, sha256="0" * 64),
            kind=kind,  # type: ignore[arg-type]
            source=ObjectRef(bucket="circulion-uploads", key=f"bench/{kind}"),
            chunk=span,
            total_chunks=total,
        ),
    ).to_json()


def _measure(kind: str, size_mb: int, chunk_size: int, endpoint: str, tmp: Path) -> list[dict[str, Any]]:
    """Upload a ``kind`` recipe, then run its first, middle and last chunks, one process each."""
    sys.path.insert(0, str(HERE))
    from chalicelib.planning import plan_chunks

    path = tmp / kind
    (write_stream if kind == "stream" else write_asset)(path, size_mb * MiB)
    size = path.stat().st_size
    _client("s3", endpoint).upload_file(str(path), "circulion-uploads", f"bench/{kind}")
    path.unlink()
    plan = plan_chunks(size, kind, chunk_size=chunk_size, direct_threshold=5 * MiB, max_document_bytes=5 * MiB)  # type: ignore[arg-type]
    results = []
    for index in sorted({0, plan.total_chunks // 2, plan.total_chunks - 1}):
        task_file = tmp / "task.json"
        task_file.write_text(_task(kind, size, plan.spans[index], plan.total_chunks))
        run = subprocess.run(  # noqa: S603 - this script, as a child
            [sys.executable, __file__, "--child", str(task_file)],
            env=_env(endpoint, chunk_size),
            check=False,
            capture_output=True,
            text=True,
            cwd=HERE,
        )
        if run.returncode != 0:
            raise SystemExit(f"chunk {index} of the {kind} failed:\n{run.stderr[-3000:]}")
        result = json.loads(run.stdout.strip().splitlines()[-1]) | {"kind": kind, "chunk": index, "size": size}
        results.append(result)
        print(
            f"{kind:6} {size / MiB:7.0f} MiB, chunk {index:4}/{plan.total_chunks}: "
            f"peak RSS {result['peak'] / MiB:6.1f} MiB (resident before {result['baseline'] / MiB:5.1f} MiB), "
            f"{result['seconds']:.2f} s, {result['records']} records",
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, default=8)
    parser.add_argument("--port", type=int, default=4867)
    parser.add_argument("--endpoint")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(Path(args.child).read_text())
        return
    chunk_size = args.chunk_mb * MiB
    server = None
    endpoint = args.endpoint
    if endpoint is None:
        moto = Path(sys.executable).with_name("moto_server")
        server = subprocess.Popen(  # noqa: S603 - our own venv's moto_server
            [str(moto), "-p", str(args.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        endpoint = f"http://127.0.0.1:{args.port}"
        time.sleep(3)
    try:
        _provision(endpoint)
        with tempfile.TemporaryDirectory() as tmp:
            results = [
                r for kind in ("stream", "asset") for r in _measure(kind, args.size_mb, chunk_size, endpoint, Path(tmp))
            ]
        target = 3 * chunk_size + 150 * MiB
        worst = max(r["peak"] for r in results)
        verdict = "OK" if worst < target else "OVER"
        print(
            f"worst peak {worst / MiB:.1f} MiB; "
            f"target 3 x {args.chunk_mb} MiB + 150 MB = {target / MiB:.0f} MiB: {verdict}"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
