"""boto3 clients for a local emulator: its endpoint and the dummy credentials it accepts."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from circulion_local.ports import LOCAL_ACCESS_KEY, LOCAL_REGION, LOCAL_SECRET_KEY, LocalPorts


def local_client(ports: LocalPorts, service: str, config: Config | None = None) -> Any:
    """A boto3 client of ``service`` at the emulator of ``ports``."""
    return boto3.client(
        service,
        endpoint_url=ports.endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=LOCAL_ACCESS_KEY,
        aws_secret_access_key=LOCAL_SECRET_KEY,
        config=config,
    )
