"""Where the local stack listens, and the environment that points code at it.

Every port is fixed and documented (README) so a developer can type the URLs; one
``--port-offset`` (or ``CIRCULION_PORT_OFFSET``) moves them all, so two stacks (a
developer's and a test run's) can share a machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

HOST = "127.0.0.1"

EMULATOR_PORT = 4566
API_PORT = 8000
ISSUER_PORT = 8001
EDGE_PORT = 8080
XRAY_DAEMON_PORT = 2000

LOCAL_ACCESS_KEY = "testing"
LOCAL_SECRET_KEY = "testing"  # noqa: S105 - the emulator accepts any credentials
LOCAL_REGION = "us-east-1"


class Stoppable(Protocol):
    """A server the runtime started and stops on Ctrl-C."""

    def stop(self) -> None: ...


@dataclass(frozen=True)
class LocalPorts:
    """The local stack's addresses for one port offset."""

    offset: int = 0

    @classmethod
    def from_env(cls) -> LocalPorts:
        return cls(int(os.environ.get("CIRCULION_PORT_OFFSET", "0")))

    @property
    def emulator(self) -> int:
        return EMULATOR_PORT + self.offset

    @property
    def api(self) -> int:
        return API_PORT + self.offset

    @property
    def issuer(self) -> int:
        return ISSUER_PORT + self.offset

    @property
    def edge(self) -> int:
        return EDGE_PORT + self.offset

    @property
    def xray_daemon(self) -> int:
        return XRAY_DAEMON_PORT + self.offset

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.emulator}"

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api}"

    @property
    def issuer_url(self) -> str:
        return f"http://{HOST}:{self.issuer}"

    @property
    def edge_url(self) -> str:
        return f"http://{HOST}:{self.edge}"

    def function_environment(self) -> dict[str, str]:
        """Variables every function process gets on top of its ``local`` stage config.

        Only what depends on where the stack listens; everything else belongs in the
        service's ``.chalice/config.json``.
        """
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_KEY,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "AWS_XRAY_DAEMON_ADDRESS": f"{HOST}:{self.xray_daemon}",
            "CIRCULION_STAGE": "local",
            "CIRCULION_JWKS_URL": f"{self.issuer_url}/.well-known/jwks.json",
            "CIRCULION_TOKEN_ISSUER": self.issuer_url,
            "CIRCULION_CDN_BASE_URL": self.edge_url,
        }
