"""Tests that start their own emulator pick a port offset nobody is listening on."""

from __future__ import annotations

import random
import socket

from circulion_local.free_ports import HIGHEST_OFFSET, LOWEST_OFFSET, free_ports
from circulion_local.ports import HOST, LocalPorts


def test_an_offset_with_a_port_in_use_is_passed_over() -> None:
    first = random.Random(7).randrange(LOWEST_OFFSET, HIGHEST_OFFSET)
    with socket.socket() as busy:
        busy.bind((HOST, LocalPorts(first).edge))
        busy.listen()
        ports = free_ports(random.Random(7))
    assert ports.offset != first
    assert LOWEST_OFFSET <= ports.offset < HIGHEST_OFFSET  # above every stack's --port-offset


def test_the_offset_found_can_be_listened_on() -> None:
    ports = free_ports()
    with socket.socket() as server:
        server.bind((HOST, ports.emulator))
        server.listen()
