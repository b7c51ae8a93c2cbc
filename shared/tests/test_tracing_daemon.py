"""The local X-Ray daemon: SDK datagrams in, PutTraceSegments out, readable back from X-Ray.

The end-to-end test runs a traced span in a fresh interpreter whose SDK emits over UDP to
the daemon, which forwards to a moto server started here (on free ports); the segment is
then read back with GetTraceSummaries and BatchGetTraces, as ``circulion trace`` does.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from circulion import tracing
from circulion_local import xray_daemon
from circulion_local.free_ports import free_ports
from circulion_local.ports import LocalPorts
from circulion_local.xray_daemon import MalformedDatagram, XRayDaemon, parse_datagram

HEADER = b'{"format":"json","version":1}\n'


def _document(**fields: Any) -> dict[str, Any]:
    return {
        "name": "splitter.split",
        "id": os.urandom(8).hex(),
        "trace_id": tracing.new_trace_id(),
        "start_time": time.time() - 1,
        "end_time": time.time(),
        **fields,
    }


def test_parse_datagram_returns_the_document_after_the_header() -> None:
    doc = json.dumps(_document())
    assert parse_datagram(HEADER + doc.encode()) == doc


@pytest.mark.parametrize(
    "data",
    [
        b'{"name": "no header"}',
        b'{"format":"json","version":2}\n{}',
        b'{"format":"json","version":1}\nnot json',
        b'{"format":"json","version":1}\n[1, 2]',
        b"\xff\xfe\n{}",
    ],
)
def test_parse_datagram_rejects_anything_else(data: bytes) -> None:
    with pytest.raises(MalformedDatagram):
        parse_datagram(data)


class RecordingForward:
    def __init__(self, rejected: int = 0) -> None:
        self.batches: list[list[str]] = []
        self.rejected = rejected

    def __call__(self, documents: Sequence[str]) -> int:
        self.batches.append(list(documents))
        return self.rejected


def _send(address: tuple[str, int], payloads: list[bytes]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for payload in payloads:
            sock.sendto(payload, address)


def test_the_daemon_forwards_every_datagram_in_bounded_batches_and_counts_junk() -> None:
    forward = RecordingForward()
    daemon = XRayDaemon("127.0.0.1", 0, forward, batch_size=4)
    docs = [json.dumps(_document()) for _ in range(10)]
    _send(daemon.address, [HEADER + d.encode() for d in docs] + [b"junk"])
    daemon.stop()

    assert [d for batch in forward.batches for d in batch] == docs
    assert all(len(batch) <= 4 for batch in forward.batches)
    assert daemon.stats.received == 11
    assert daemon.stats.malformed == 1
    assert daemon.stats.forwarded == 10


def test_a_failing_forward_is_counted_and_the_daemon_keeps_going() -> None:
    calls: list[int] = []

    def flaky(documents: Sequence[str]) -> int:
        calls.append(len(documents))
        if len(calls) == 1:
            raise ConnectionError("emulator down")
        return 0

    daemon = XRayDaemon("127.0.0.1", 0, flaky, batch_size=1)
    _send(daemon.address, [HEADER + json.dumps(_document()).encode() for _ in range(3)])
    daemon.stop()

    assert daemon.stats.failed == 1
    assert daemon.stats.forwarded == 2


@pytest.fixture(scope="module")
def ports() -> LocalPorts:
    return free_ports()


@pytest.fixture(scope="module")
def emulator(ports: LocalPorts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(ports.emulator)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", ports.emulator), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        yield ports.endpoint_url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _xray(endpoint_url: str) -> Any:
    return boto3.client(
        "xray",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


_TRACED_PROCESS = textwrap.dedent(
    """
    import sys
    from circulion import tracing

    tracing.configure("merger")
    root = sys.argv[1]
    with tracing.span("merger.coordinate", trace_header=f"Root={root};Parent=53995c3f42cd8ad8;Sampled=1",
                      annotations={"recipe_id": "r-daemon", "tenant_id": "t-1"}):
        pass
    try:
        with tracing.span("merger.coordinate", trace_header=f"Root={root}", annotations={"recipe_id": "r-daemon"}):
            raise RuntimeError("forced failure")
    except RuntimeError:
        pass
    """
)


def test_segments_from_the_sdk_reach_the_emulator_and_read_back_with_annotations(
    ports: LocalPorts, emulator: str, tmp_path: Path
) -> None:
    since = datetime.now(UTC) - timedelta(seconds=5)
    daemon = xray_daemon.start(ports, tmp_path)
    root = tracing.new_trace_id()
    try:
        env = {**os.environ, "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{ports.xray_daemon}"}
        env.pop("LAMBDA_TASK_ROOT", None)
        subprocess.run([sys.executable, "-c", _TRACED_PROCESS, root], env=env, check=True, timeout=60)
    finally:
        daemon.stop()
    assert daemon.stats.forwarded == 2
    assert daemon.stats.rejected == 0

    xray = _xray(emulator)
    summaries = xray.get_trace_summaries(StartTime=since, EndTime=datetime.now(UTC) + timedelta(minutes=1))
    assert root in [s["Id"] for s in summaries["TraceSummaries"]]
    [trace] = xray.batch_get_traces(TraceIds=[root])["Traces"]
    docs = [json.loads(s["Document"]) for s in trace["Segments"]]
    ok, failed = sorted(docs, key=lambda d: d["start_time"])
    assert ok["parent_id"] == "53995c3f42cd8ad8"
    assert ok["annotations"] == {
        "service": "merger",
        "function": "coordinate",
        "recipe_id": "r-daemon",
        "tenant_id": "t-1",
    }
    assert failed["fault"] is True
    assert failed["cause"]["exceptions"][0]["message"] == "forced failure"


HOSTILE = [
    HEADER + b"[" * 30_000 + b"]" * 30_000,  # RecursionError in json.loads: it killed the receiver
    b"[" * 60_000 + b"\n{}",  # in the header line
    HEADER + b'{"a": ' + b"9" * 5_000 + b"}",  # past int()'s digit limit
    HEADER + b'{"s": "' + b"[" * 1000 + b'"}',  # brackets inside a string are not nesting
]


def test_hostile_datagrams_are_counted_and_the_next_valid_one_is_still_forwarded() -> None:
    forward = RecordingForward()
    daemon = XRayDaemon("127.0.0.1", 0, forward, batch_size=10)
    valid = json.dumps(_document())
    _send(daemon.address, [*HOSTILE, HEADER + valid.encode()])
    daemon.stop()

    forwarded = [d for batch in forward.batches for d in batch]
    assert forwarded == [HOSTILE[3][len(HEADER) :].decode(), valid]
    assert daemon.stats.received == len(HOSTILE) + 1
    assert daemon.stats.malformed == 3
    assert daemon.stats.errors == 0


@pytest.mark.parametrize("depth", [1, 10, 64])  # 64: MAX_NESTING
def test_nesting_up_to_the_bound_is_a_segment(depth: int) -> None:
    document = '{"a":' * depth + "1" + "}" * depth
    assert parse_datagram(HEADER + document.encode()) == document
    with pytest.raises(MalformedDatagram, match="nested deeper"):
        parse_datagram(HEADER + ("[" * (xray_daemon.MAX_NESTING + 1) + "]" * (xray_daemon.MAX_NESTING + 1)).encode())
