"""The merge coordinator against the running emulator: real DynamoDB and S3 semantics.

The coordinator's code runs in this process (the stateful machine) or in a child process
built by the service's own bootstrap (the big merges, so its peak RSS can be measured);
messages are handed to it directly rather than through the merger queue, so the stack's
own merger never sees these recipes. Clocks start at the real time so the stack's sweeper
never finds them stalled.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from merger_inputs import asset, ndjson, step_ids_inside
from sizes import megabytes
from support import Stack

from circulion.adapters.object_store import S3ObjectStore
from circulion.contracts.events import (
    ChunkProcessed,
    ChunkProcessedPayload,
    ChunkSpan,
    ObjectRef,
    RecipeSplit,
)
from circulion.settings import RESOURCES

pytestmark = pytest.mark.stack

MERGER = Path(__file__).resolve().parents[2] / "services" / "merger"
MIB = 1024 * 1024


def _load_merger() -> ModuleType:
    """The merger's test scenario, with the merger's ``chalicelib`` importable."""
    loaded = sys.modules.get("chalicelib")
    if loaded is not None and not str(getattr(loaded, "__file__", "")).startswith(str(MERGER)):
        pytest.skip("another service's chalicelib is loaded in this process")
    if str(MERGER) not in sys.path:
        sys.path.insert(0, str(MERGER))
    # Loaded as a package of its own name (``tests`` here is this repo's): scenario.py
    # imports its sibling modules relatively.
    tests = MERGER / "tests"
    spec = importlib.util.spec_from_file_location(
        "merger_tests", tests / "__init__.py", submodule_search_locations=[str(tests)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules["merger_tests"] = package
    spec.loader.exec_module(package)
    return importlib.import_module("merger_tests.scenario")


@pytest.fixture(scope="module")
def scenario() -> ModuleType:
    return _load_merger()


def function_env(stack: Stack) -> dict[str, str]:
    return {
        **os.environ,
        **stack.ports.function_environment(),
        "CIRCULION_TRACING_ENABLED": "false",
        "CIRCULION_LOG_LEVEL": "WARNING",
    }


def emulator_deps(stack: Stack, scenario: ModuleType, clock: Any, crash: Any, captured: Any) -> Any:
    from chalicelib.deps import Deps
    from chalicelib.dynamo_ledger_store import DynamoLedgerStore
    from chalicelib.settings import MergerSettings

    return Deps(
        settings=MergerSettings(tracing_enabled=False, max_redrives=1000),
        publisher=captured,
        dead_letters=None,
        ledger=DynamoLedgerStore(stack.client("dynamodb"), RESOURCES.ledger_table, ttl_seconds=3600),
        objects=S3ObjectStore(stack.client("s3")),
        merger_queue=captured,
        clock=clock,
        checkpoint=crash,
    )


# --- exactly-once under random interleavings, on the emulator --------------------------


def test_coordinator_state_machine_on_the_emulator(stack: Stack, scenario: ModuleType) -> None:
    class EmulatorCoordinator(scenario.CoordinatorMachine):  # type: ignore[name-defined,misc]
        def make_deps(self, clock: Any, crash: Any, captured: Any) -> Any:
            clock.now = time.time()
            return emulator_deps(stack, scenario, clock, crash, captured)

    EmulatorCoordinator.TestCase.settings = settings(
        max_examples=int(os.environ.get("MERGER_STACK_EXAMPLES", "40")),
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    EmulatorCoordinator.TestCase().runTest()


# --- archives checked with zipfile and Info-ZIP ----------------------------------------


def _unzip_test(path: Path) -> None:
    if shutil.which("unzip") is None:
        pytest.skip("Info-ZIP unzip is not installed (make setup installs it)")
    result = subprocess.run(["unzip", "-tq", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def _merge_in_child(stack: Stack, last: ChunkProcessed) -> tuple[list[dict[str, Any]], int, float]:
    """Deliver ``last`` to a fresh merger process (the service's own wiring).

    Returns the events, the child's peak RSS in MiB, and its wall time.
    """
    code = (
        "import json, re, sys\n"
        f"sys.path.insert(0, {str(MERGER)!r})\n"
        "from chalicelib import bootstrap, handlers\n"
        "from circulion.contracts.events import ChunkProcessed\n"
        "message = ChunkProcessed.model_validate_json(sys.stdin.read())\n"
        "out = handlers.coordinate(message, bootstrap.deps())\n"
        "status = open('/proc/self/status').read()\n"
        "peak = int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1))\n"
        "print(json.dumps({'events': [json.loads(m.to_json()) for m in out], 'peak_kib': peak}))\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=last.to_json(),
        capture_output=True,
        text=True,
        env=function_env(stack),
        check=False,
        timeout=900,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    # The child reports its own high-water mark (VmHWM, KiB): exact, unlike sampling, and
    # unlike ru_maxrss, which a child inherits from its parent's RSS at fork.
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report["events"], report["peak_kib"] // 1024, elapsed


def _put_recipe(
    stack: Stack,
    scenario: ModuleType,
    pieces: Iterator[bytes],
    count: int,
    chunk_size: int,
    kind: str,
    content_type: str,
) -> tuple[RecipeSplit, list[ChunkProcessed], str, int]:
    """Deflate generated chunks like a worker and put the segments in the work bucket.

    Only one chunk is in memory at a time; returns the messages, the upload's SHA-256
    and size.
    """
    store = S3ObjectStore(stack.client("s3"))
    template = scenario.make_recipe(store, b"", chunk_size, kind=kind, content_type=content_type)
    recipe_id = template.recipe_id
    whole = hashlib.sha256()
    payloads: list[ChunkProcessedPayload] = []
    position = 0
    for index, piece in enumerate(pieces):
        last = index == count - 1
        segment = scenario.segment(piece, last=last, level=1)
        key = f"segments/{recipe_id}/{index:06d}.deflate"
        store.put_bytes(RESOURCES.work_bucket, key, segment)
        whole.update(piece)
        payloads.append(
            ChunkProcessedPayload(
                chunk=ChunkSpan(index=index, start=position, end=position + len(piece)),
                total_chunks=count,
                sha256=hashlib.sha256(piece).hexdigest(),
                crc32=zlib.crc32(piece),
                segment=ObjectRef(bucket=RESOURCES.work_bucket, key=key),
                segment_size=len(segment),
                record_count=piece.count(b"\n"),
                step_ids=step_ids_inside(piece) if kind == "stream" else None,
            )
        )
        position += len(piece)
    description = template.split.payload.recipe.model_copy(update={"size_bytes": position, "sha256": whole.hexdigest()})
    assert len(payloads) == count
    plan = template.split.payload.model_copy(update={"recipe": description, "total_chunks": count})
    split = template.split.model_copy(update={"payload": plan})
    messages = [split.follow(ChunkProcessed, p) for p in payloads]
    return split, messages, whole.hexdigest(), position


def _check_archive(stack: Stack, merged: dict[str, Any], sha256: str, size: int, tmp_path: Path) -> None:
    artifact = merged["payload"]["artifact"]
    path = tmp_path / "archive.zip"
    stack.client("s3").download_file(artifact["bucket"], artifact["key"], str(path))
    assert path.stat().st_size == artifact["size_bytes"]
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(8 * MIB), b""):
            digest.update(block)
    assert digest.hexdigest() == artifact["sha256"]
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n != "manifest.json")
        content = hashlib.sha256()
        with zf.open(name) as member:  # zipfile checks the combined CRC at the end
            for block in iter(lambda: member.read(8 * MIB), b""):
                content.update(block)
        assert zf.getinfo(name).file_size == size
        manifest = json.loads(zf.read("manifest.json"))
    assert content.hexdigest() == sha256 == manifest["file"]["sha256"]
    _unzip_test(path)
    path.unlink()


def _merge(
    stack: Stack,
    scenario: ModuleType,
    pieces: Iterator[bytes],
    count: int,
    chunk_size: int,
    tmp_path: Path,
    *,
    kind: str = "asset",
) -> tuple[dict[str, Any], int, float]:
    """Put the chunks, record all but the last here, merge in a child; check the archive."""
    content_type = "application/x-ndjson" if kind == "stream" else "application/octet-stream"
    split, chunks, sha256, size = _put_recipe(stack, scenario, pieces, count, chunk_size, kind, content_type)
    captured = scenario.Captured()
    deps = emulator_deps(stack, scenario, time.time, lambda _: None, captured)
    from chalicelib import handlers

    handlers.coordinate(split, deps)
    for chunk in chunks[:-1]:
        assert handlers.coordinate(chunk, deps) == []
    events, peak_mib, seconds = _merge_in_child(stack, chunks[-1])
    merged = [e for e in events if e["type"] == "recipe.merged"]
    assert len(merged) == 1, events
    _check_archive(stack, merged[0], sha256, size, tmp_path)
    segments = list(S3ObjectStore(stack.client("s3")).list_keys(RESOURCES.work_bucket, f"segments/{split.recipe_id}/"))
    assert segments == []
    return merged[0], peak_mib, seconds


CHUNK = 5 * MIB  # the smallest chunk a copy part can be: exercises copies and coalescing


@pytest.mark.parametrize(
    "sizes",
    [[1], [CHUNK], [CHUNK, CHUNK - 1], [CHUNK, 1], [CHUNK, CHUNK, 0]],
    ids=["1 byte", "exactly one chunk", "chunk size - 1 tail", "chunk size + 1", "empty last chunk"],
)
def test_archive_of_edge_sizes(stack: Stack, scenario: ModuleType, sizes: list[int], tmp_path: Path) -> None:
    rng = random.Random(sum(sizes))
    _merge(stack, scenario, (rng.randbytes(n) for n in sizes), len(sizes), CHUNK, tmp_path)


@pytest.mark.parametrize("kind", ["asset", "stream"])
def test_several_hundred_mb_merge_in_bounded_memory(
    stack: Stack, scenario: ModuleType, kind: str, tmp_path: Path, record_property: Any
) -> None:
    total = megabytes("merger", quick=40, full=300) * MIB
    pieces, count = asset(total, 8 * MIB) if kind == "asset" else ndjson(total, 8 * MIB)
    merged, peak_mib, seconds = _merge(stack, scenario, pieces, count, 8 * MIB, tmp_path, kind=kind)
    size_mb = merged["payload"]["artifact"]["size_bytes"] / MIB
    record_property("merger_peak_rss_mib", peak_mib)
    print(f"\n{kind}: {total // MIB} MiB -> archive {size_mb:.1f} MiB, merger peak RSS {peak_mib} MiB, {seconds:.1f} s")
    # Not a timed assertion: memory must not grow with the recipe (O(part size)).
    assert peak_mib < 250, f"merger peak RSS {peak_mib} MiB"


@pytest.mark.slow
def test_zip64_archive_over_4_gib(stack: Stack, scenario: ModuleType, tmp_path: Path) -> None:
    total = 4 * 1024 * MIB + 3 * MIB
    pieces, count = asset(total, 64 * MIB)
    merged, peak_mib, _ = _merge(stack, scenario, pieces, count, 64 * MIB, tmp_path)
    assert merged["payload"]["artifact"]["size_bytes"] > 0xFFFFFFFF
    print(f"\nZIP64: merger peak RSS {peak_mib} MiB")
