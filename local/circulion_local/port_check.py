"""Refusing to start on TCP ports something already serves.

Stacks at offsets 80 apart share a port (one's API at ``8000 + offset`` is the other's edge
at ``8080 + offset``). The runtime waits for its API server's port to answer, so a port held
by another stack looked like a started API, and every upload reached the wrong server
(CloudFront's 403 from the other stack's edge). Every port is checked before anything starts.
"""

from __future__ import annotations

import socket

from circulion.errors import ConfigurationError
from circulion_local.ports import HOST, LocalPorts

STACK_PORTS = ("emulator", "api", "issuer", "edge")
"""The TCP ports a stack listens on (the X-Ray daemon's is UDP)."""


class PortsTaken(ConfigurationError):
    """Something already listens on a port this stack needs."""


def taken_ports(ports: LocalPorts, names: tuple[str, ...] = STACK_PORTS) -> list[str]:
    """``"name port"`` of each of ``names`` that already accepts a connection."""
    taken = []
    for name in names:
        port = getattr(ports, name)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex((HOST, port)) == 0:
                taken.append(f"{name} {port}")
    return taken


def refuse_taken_ports(ports: LocalPorts, *, attach_emulator: bool = False) -> None:
    """Raise :class:`PortsTaken` naming every port of the stack that already answers.

    ``attach_emulator``: the emulator is expected to be running already (its port is skipped).
    """
    names = tuple(n for n in STACK_PORTS if not (attach_emulator and n == "emulator"))
    taken = taken_ports(ports, names)
    if taken:
        first = taken[0].split()[1]
        raise PortsTaken(
            f"port {first} already answers ({', '.join(taken)} taken): another stack runs with this "
            "offset, or with one whose ports overlap (offsets 80 apart share the API and edge ports); "
            "stop it, or choose another offset with --port-offset / CIRCULION_PORT_OFFSET"
        )
