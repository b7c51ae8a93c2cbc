"""The command line's configuration: flags over environment over local-stack defaults.

This is the CLI's one reader of ``os.environ``.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from circulion_cli.errors import UsageError
from circulion_cli.resume import default_cache_dir

LOCAL_HOST = "127.0.0.1"
LOCAL_API_PORT = 8000
LOCAL_ISSUER_PORT = 8001
LOCAL_EMULATOR_PORT = 4566
"""The local stack's ports at offset 0 (``circulion_local.ports``; the CLI does not depend on
the local stack's package, a test checks the two agree). ``CIRCULION_PORT_OFFSET`` shifts them
as it shifts ``make run``'s."""
DEFAULT_API_URL = f"http://{LOCAL_HOST}:{LOCAL_API_PORT}"
DEFAULT_ISSUER_URL = f"http://{LOCAL_HOST}:{LOCAL_ISSUER_PORT}"
DEFAULT_REGION = "us-east-1"
DEFAULT_ENDPOINT_URL = f"http://{LOCAL_HOST}:{LOCAL_EMULATOR_PORT}"
DEFAULT_VALIDATE_UP_TO = 64 * 1024 * 1024
"""Streams up to this size are validated locally before an upload (larger: ``--validate``)."""
REAL_AWS = "aws"
"""``CIRCULION_ENDPOINT_URL=aws`` (or ``--endpoint-url aws``): AWS's own endpoints."""


class CliConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    api_url: str = DEFAULT_API_URL
    token: str | None = None
    issuer_url: str = DEFAULT_ISSUER_URL
    endpoint_url: str | None = None
    region: str = DEFAULT_REGION
    cache_dir: Path
    validate_up_to: int = DEFAULT_VALIDATE_UP_TO

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **flags: str | None) -> CliConfig:
        """Build from ``CIRCULION_API_URL``, ``CIRCULION_TOKEN``, ``CIRCULION_ISSUER_URL``,
        ``CIRCULION_ENDPOINT_URL`` (or ``AWS_ENDPOINT_URL``), ``AWS_DEFAULT_REGION`` and
        ``CIRCULION_CACHE_DIR``, ``CIRCULION_VALIDATE_UP_TO`` (bytes); a flag given (not ``None``) wins.

        Like the API URL, the AWS endpoint (for ``dlq`` and ``trace``) defaults to the local
        stack, on the ports ``CIRCULION_PORT_OFFSET`` moves it to; an SRE on real AWS says
        ``aws``."""
        env = dict(os.environ if environ is None else environ)
        offset = port_offset(env)
        values: dict[str, object] = {
            "api_url": env.get("CIRCULION_API_URL") or local_url(LOCAL_API_PORT, offset),
            "token": env.get("CIRCULION_TOKEN") or None,
            "issuer_url": env.get("CIRCULION_ISSUER_URL") or local_url(LOCAL_ISSUER_PORT, offset),
            "endpoint_url": env.get("CIRCULION_ENDPOINT_URL")
            or env.get("AWS_ENDPOINT_URL")
            or local_url(LOCAL_EMULATOR_PORT, offset),
            "region": env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or DEFAULT_REGION,
            "cache_dir": Path(env["CIRCULION_CACHE_DIR"]) if env.get("CIRCULION_CACHE_DIR") else default_cache_dir(env),
            "validate_up_to": env.get("CIRCULION_VALIDATE_UP_TO") or DEFAULT_VALIDATE_UP_TO,
        }
        values.update({key: value for key, value in flags.items() if value is not None})
        if values["endpoint_url"] == REAL_AWS:
            values["endpoint_url"] = None
        return cls.model_validate(values)


def port_offset(environ: dict[str, str]) -> int:
    """``CIRCULION_PORT_OFFSET`` (0 when unset); a value that is not a number is a usage error."""
    raw = environ.get("CIRCULION_PORT_OFFSET", "").strip()
    if not raw:
        return 0
    try:
        return int(raw)
    except ValueError:
        raise UsageError(f"CIRCULION_PORT_OFFSET={raw!r} is not a number") from None


def local_url(port: int, offset: int) -> str:
    return f"http://{LOCAL_HOST}:{port + offset}"
