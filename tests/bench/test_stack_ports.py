"""The benchmark refuses to start a stack on ports another process already serves."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bench.stack import local_stack
from circulion_local.port_check import taken_ports
from circulion_local.ports import API_PORT, LocalPorts


def _listening() -> tuple[socket.socket, int]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    return server, server.getsockname()[1]


def test_a_port_another_process_listens_on_is_named() -> None:
    server, port = _listening()
    with server:
        offset = port - API_PORT
        assert f"api {port}" in taken_ports(LocalPorts(offset))
    assert f"api {port}" not in taken_ports(LocalPorts(offset))


def test_the_stack_is_not_started_on_a_taken_port(tmp_path: Path) -> None:
    server, port = _listening()
    refused = pytest.raises(RuntimeError, match=rf"already listens on .*api {port}.*pick another --offset")
    with server, refused, local_stack(port - API_PORT, tmp_path, "x"):
        pass  # pragma: no cover - never reached
    assert not (tmp_path / "state-x").exists()  # refused before anything was created
