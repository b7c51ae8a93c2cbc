"""A stack refuses every TCP port something already serves, before it starts anything."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from circulion_local.port_check import PortsTaken, refuse_taken_ports, taken_ports
from circulion_local.ports import API_PORT, EDGE_PORT, EMULATOR_PORT, LocalPorts


@pytest.fixture
def listening() -> Iterator[int]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen()
    with server:
        yield server.getsockname()[1]


def test_another_stacks_edge_on_this_stacks_api_port_is_refused_by_name(listening: int) -> None:
    ours = LocalPorts(listening - API_PORT)
    with pytest.raises(PortsTaken) as refused:
        refuse_taken_ports(ours)
    assert f"port {listening} already answers (api {listening} taken)" in refused.value.message
    assert "offsets 80 apart" in refused.value.message
    # The same port is the edge of the stack 80 below: the overlap the message describes.
    assert LocalPorts(listening - EDGE_PORT).edge == listening


def test_an_attached_emulator_is_expected_to_answer(listening: int) -> None:
    ports = LocalPorts(listening - EMULATOR_PORT)
    assert taken_ports(ports) == [f"emulator {listening}"]
    refuse_taken_ports(ports, attach_emulator=True)


def test_the_run_stops_at_a_taken_api_port_with_one_message(tmp_path: Path, listening: int) -> None:
    offset = listening - API_PORT
    run = subprocess.run(
        [sys.executable, "-m", "circulion_local", "run", "--state-dir", str(tmp_path), "--port-offset", str(offset)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    assert f"could not start: port {listening} already answers" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr
    assert not (tmp_path / "logs" / "emulator.log").exists(), "nothing starts before the ports are checked"
