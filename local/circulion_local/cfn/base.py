"""What every resource type shares: the clients it creates through, and what it returns.

A resource type is a function ``(aws, logical_id, properties) -> Created``. It must be
idempotent (provisioning twice against one emulator converges to the same resources) and
must refuse a property it does not apply, so a template change cannot be silently dropped.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from circulion_local.cfn.errors import ProvisioningError
from circulion_local.ports import LOCAL_ACCESS_KEY, LOCAL_REGION, LOCAL_SECRET_KEY


@dataclass(frozen=True)
class Created:
    """A resource as the rest of the template sees it: ``Ref`` value and ``GetAtt`` attributes."""

    physical_id: str
    attributes: Mapping[str, str] = field(default_factory=dict)


class AwsEndpoint:
    """boto3 clients for one endpoint (the emulator), with the local dummy credentials."""

    def __init__(self, endpoint_url: str, region: str = LOCAL_REGION) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self._session = boto3.session.Session(
            aws_access_key_id=LOCAL_ACCESS_KEY,
            aws_secret_access_key=LOCAL_SECRET_KEY,
            region_name=region,
        )

    @functools.cache  # noqa: B019 - one endpoint object per provisioning run
    def client(self, service: str) -> Any:
        config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"})
        return self._session.client(service, endpoint_url=self.endpoint_url, config=config)

    @functools.cached_property
    def account_id(self) -> str:
        return str(self.client("sts").get_caller_identity()["Account"])


ResourceType = Callable[[AwsEndpoint, str, Mapping[str, Any]], Created]


def check_properties(
    logical_id: str,
    properties: Mapping[str, Any],
    *,
    allowed: Iterable[str],
    required: Iterable[str] = (),
) -> None:
    """Refuse properties this provisioner would not apply, and missing required ones."""
    allowed_set = set(allowed) | set(required)
    unknown = sorted(set(properties) - allowed_set)
    if unknown:
        raise ProvisioningError(
            f"{logical_id}: property(ies) {', '.join(unknown)} not supported by the local provisioner"
        )
    missing = sorted(set(required) - set(properties))
    if missing:
        raise ProvisioningError(f"{logical_id}: missing required property(ies) {', '.join(missing)}")


def policy_json(document: Any) -> str:
    """A policy document as the APIs take it (CloudFormation accepts an object or a string)."""
    return document if isinstance(document, str) else json.dumps(document)


def flag(value: Any) -> bool:
    """A CloudFormation boolean: YAML ``true`` or the strings ``"true"``/``"false"``."""
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true"


def error_code(exc: Exception) -> str:
    """The AWS error code of a botocore ``ClientError`` ('' for anything else)."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
