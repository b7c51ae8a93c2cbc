"""A port offset whose ports nobody listens on now: for tests that start their own emulator,
edge or X-Ray daemon in-process instead of a whole stack.

A fixed offset per test file collides with whatever else uses it on a shared machine (a
developer's stack, another test run); this picks one at random above the offsets stacks
use (``--port-offset`` below :data:`LOWEST_OFFSET`), below Linux's ephemeral ports, and
checks every port of it can be bound.
"""

from __future__ import annotations

import random
import socket

from circulion_local.ports import HOST, LocalPorts

LOWEST_OFFSET = 1000
HIGHEST_OFFSET = 20000
"""8080 + 20000 stays below 32768, where the kernel's ephemeral ports start."""
ATTEMPTS = 200


class NoFreePorts(RuntimeError):
    """Every offset tried had a port in use."""


def free_ports(rng: random.Random | None = None) -> LocalPorts:
    """Ports (emulator, API, issuer, edge over TCP; the X-Ray daemon over UDP) free right now."""
    pick = rng or random.SystemRandom()
    for _ in range(ATTEMPTS):
        ports = LocalPorts(pick.randrange(LOWEST_OFFSET, HIGHEST_OFFSET))
        tcp = (ports.emulator, ports.api, ports.issuer, ports.edge)
        if all(_bindable(port, socket.SOCK_STREAM) for port in tcp) and _bindable(ports.xray_daemon, socket.SOCK_DGRAM):
            return ports
    raise NoFreePorts(f"no free port offset in {ATTEMPTS} tries")


def _bindable(port: int, kind: socket.SocketKind) -> bool:
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True
