"""The command line's configuration: flags over environment over local-stack defaults.

This is the CLI's one reader of ``os.environ``.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from circulion_cli.resume import default_cache_dir

DEFAULT_API_URL = "http://127.0.0.1:8000"
DEFAULT_ISSUER_URL = "http://127.0.0.1:8001"
DEFAULT_REGION = "us-east-1"
DEFAULT_ENDPOINT_URL = "http://127.0.0.1:4566"
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
        stack; an SRE on real AWS says ``aws``."""
        env = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {
            "api_url": env.get("CIRCULION_API_URL") or DEFAULT_API_URL,
            "token": env.get("CIRCULION_TOKEN") or None,
            "issuer_url": env.get("CIRCULION_ISSUER_URL") or DEFAULT_ISSUER_URL,
            "endpoint_url": env.get("CIRCULION_ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL") or DEFAULT_ENDPOINT_URL,
            "region": env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or DEFAULT_REGION,
            "cache_dir": Path(env["CIRCULION_CACHE_DIR"]) if env.get("CIRCULION_CACHE_DIR") else default_cache_dir(env),
            "validate_up_to": env.get("CIRCULION_VALIDATE_UP_TO") or DEFAULT_VALIDATE_UP_TO,
        }
        values.update({key: value for key, value in flags.items() if value is not None})
        if values["endpoint_url"] == REAL_AWS:
            values["endpoint_url"] = None
        return cls.model_validate(values)
