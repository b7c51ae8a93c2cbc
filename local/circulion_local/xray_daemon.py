"""A stand-in for the X-Ray daemon: SDK datagrams in, PutTraceSegments batches out.

The SDK in every function sends each finished segment as one UDP datagram to
``AWS_XRAY_DAEMON_ADDRESS``: a header line ``{"format":"json","version":1}``, a newline,
then the segment document. Like the real daemon, this one buffers the documents and
forwards them in batches to X-Ray's ``PutTraceSegments`` — here the emulator's — so
``GetTraceSummaries``/``BatchGetTraces`` (and ``circulion trace``) see the flow.

Nothing here may slow a function down or take the stack down: sends are fire-and-forget
UDP, a full buffer drops the newest documents (counted), and a failed forward is logged
and dropped, as the real daemon does. The receiver never dies on one datagram: parsing is
bounded (nesting depth checked before ``json.loads``, whose recursion a hostile
``[[[[...`` once exhausted, killing the thread and all tracing with it), and any error
handling a datagram is caught, counted and logged.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from circulion_local.ports import HOST, LOCAL_ACCESS_KEY, LOCAL_REGION, LOCAL_SECRET_KEY, LocalPorts

BATCH_SIZE = 50
"""Documents per PutTraceSegments call, the real daemon's batch size."""
LINGER_S = 0.5
"""How long the first buffered document waits for others to share its call: under load
a batch fills at once; a lone segment reaches X-Ray half a second later."""
MAX_BUFFERED = 10_000
_DATAGRAM_MAX = 65_535
_POLL_S = 0.2
MAX_NESTING = 64
"""Deepest ``[``/``{`` nesting accepted; the SDK's segments nest a few levels."""
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")

_log = logging.getLogger("circulion_local.xray_daemon")

Forward = Callable[[Sequence[str]], int]
"""Sends documents to X-Ray; returns how many were rejected."""


class MalformedDatagram(ValueError):
    """A datagram that is not the SDK's ``header\\ndocument`` framing."""


def parse_datagram(data: bytes) -> str:
    """The segment document inside one SDK datagram.

    Raises
    ------
    MalformedDatagram
        No header line, an unknown format/version, or a document that is not a JSON object.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedDatagram(f"not UTF-8: {exc}") from exc
    header_line, separator, document = text.partition("\n")
    if not separator:
        raise MalformedDatagram("no header line")
    _check_nesting(header_line)
    _check_nesting(document)
    try:
        header = json.loads(header_line)
        parsed = json.loads(document)
    except ValueError as exc:
        raise MalformedDatagram(f"not JSON: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != "json" or header.get("version") != 1:
        raise MalformedDatagram(f"unsupported header {header_line!r}")
    if not isinstance(parsed, dict):
        raise MalformedDatagram("the document is not a JSON object")
    return document


def _check_nesting(text: str) -> None:
    """Refuse JSON nested deeper than :data:`MAX_NESTING` without recursing (strings skipped)."""
    depth = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_NESTING:
            raise MalformedDatagram(f"JSON nested deeper than {MAX_NESTING} levels")


@dataclass
class DaemonStats:
    """Counters an operator (or a test) can read."""

    received: int = 0
    forwarded: int = 0
    malformed: int = 0
    dropped: int = 0
    """Documents lost to a full buffer."""
    failed: int = 0
    """Documents lost to a failed forward (emulator down)."""
    rejected: int = 0
    """Documents X-Ray refused (``UnprocessedTraceSegments``)."""
    errors: int = 0
    """Datagrams whose handling raised something unforeseen (logged, then ignored)."""


class XRayDaemon:
    """Receives SDK datagrams on a UDP port and forwards them in batches."""

    def __init__(
        self,
        host: str,
        port: int,
        forward: Forward,
        *,
        batch_size: int = BATCH_SIZE,
        max_buffered: int = MAX_BUFFERED,
        linger_s: float = LINGER_S,
    ) -> None:
        self._forward = forward
        self._batch_size = batch_size
        self._linger_s = linger_s
        self._buffer: queue.Queue[str] = queue.Queue(maxsize=max_buffered)
        self._stopping = threading.Event()
        self._received_all = threading.Event()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        self._socket.bind((host, port))
        # A timeout rather than close() to wake the receiver: closing a socket another
        # thread is blocked on does not reliably interrupt it on Linux.
        self._socket.settimeout(_POLL_S)
        self.address: tuple[str, int] = self._socket.getsockname()
        self.stats = DaemonStats()
        self._receiver = threading.Thread(target=self._receive, name="xray-daemon-receive", daemon=True)
        self._sender = threading.Thread(target=self._send, name="xray-daemon-send", daemon=True)
        self._receiver.start()
        self._sender.start()

    def stop(self) -> None:
        """Stop receiving, forward everything that arrived before, release the port."""
        self._stopping.set()
        self._receiver.join(timeout=10)
        self._received_all.set()
        self._sender.join(timeout=30)
        self._socket.close()
        _log.info("x-ray daemon stopped: %s", self.stats)

    def _receive(self) -> None:
        while True:
            stopping = self._stopping.is_set()
            if stopping:
                # Drain what already arrived, so a segment sent before stop() is not lost.
                self._socket.setblocking(False)
            try:
                data = self._socket.recv(_DATAGRAM_MAX)
            except TimeoutError:
                continue
            except OSError:  # BlockingIOError once drained, or the socket closed
                if stopping:
                    return
                continue
            try:
                self._accept(data)
            except Exception:  # noqa: BLE001 - one datagram must never end the receiver
                self.stats.errors += 1
                _log.warning("could not handle a datagram of %d bytes", len(data), exc_info=True)

    def _accept(self, data: bytes) -> None:
        self.stats.received += 1
        try:
            document = parse_datagram(data)
        except MalformedDatagram as exc:
            self.stats.malformed += 1
            _log.warning("ignored a datagram that is not an X-Ray segment: %s", exc)
            return
        try:
            self._buffer.put_nowait(document)
        except queue.Full:
            self.stats.dropped += 1

    def _send(self) -> None:
        while True:
            stopping = self._received_all.is_set()
            batch = self._take_batch(wait_s=0 if stopping else _POLL_S)
            if batch:
                self._forward_batch(batch)
            elif stopping:
                return

    def _take_batch(self, wait_s: float) -> list[str]:
        """Up to a batch: the first document waits at most ``LINGER_S`` for company
        (one PutTraceSegments per segment was an eighth of the emulator's requests)."""
        batch: list[str] = []
        try:
            batch.append(self._buffer.get(timeout=wait_s) if wait_s > 0 else self._buffer.get_nowait())
        except queue.Empty:
            return batch
        linger_until = time.monotonic() + (self._linger_s if wait_s > 0 else 0.0)
        while len(batch) < self._batch_size:
            remaining = linger_until - time.monotonic()
            try:
                batch.append(self._buffer.get(timeout=remaining) if remaining > 0 else self._buffer.get_nowait())
            except queue.Empty:
                break
        return batch

    def _forward_batch(self, batch: list[str]) -> None:
        try:
            rejected = self._forward(batch)
        except Exception:  # noqa: BLE001 - the emulator being down must not kill the daemon
            self.stats.failed += len(batch)
            _log.warning("could not forward %d trace documents", len(batch), exc_info=True)
            return
        self.stats.rejected += rejected
        self.stats.forwarded += len(batch) - rejected


class PutTraceSegments:
    """Forwards documents with an X-Ray client (the emulator's, locally)."""

    def __init__(self, xray: Any) -> None:
        self._xray = xray

    def __call__(self, documents: Sequence[str]) -> int:
        response = self._xray.put_trace_segments(TraceSegmentDocuments=list(documents))
        unprocessed = response.get("UnprocessedTraceSegments") or []
        for item in unprocessed:
            _log.warning("x-ray rejected segment %s: %s %s", item.get("Id"), item.get("ErrorCode"), item.get("Message"))
        return len(unprocessed)


def start(ports: LocalPorts, state_dir: Path) -> XRayDaemon:
    """Start the daemon on ``ports.xray_daemon``, forwarding to the emulator.

    ``state_dir`` is unused: the emulator keeps the traces.
    """
    import boto3

    xray = boto3.client(
        "xray",
        endpoint_url=ports.endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=LOCAL_ACCESS_KEY,
        aws_secret_access_key=LOCAL_SECRET_KEY,
    )
    daemon = XRayDaemon(HOST, ports.xray_daemon, PutTraceSegments(xray))
    _log.info("x-ray daemon on udp://%s:%d -> %s", HOST, ports.xray_daemon, ports.endpoint_url)
    return daemon
