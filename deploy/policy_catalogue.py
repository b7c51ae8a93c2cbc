"""The IAM action catalogue and resource types, from cfn-lint's bundled policy data.

cfn-lint (pinned in requirements.lock) ships ``data/AdditionalSpecs/Policies.json``:
every service's actions, the resource types each action acts on, and each type's ARN
format. It is used here rather than parliament because it is already installed and
pinned with the linter that reads our templates, and it knows every action this map uses.
Its ARN formats are wildcards for several types (every DynamoDB type is ``table/.*``; S3
buckets and objects are both ``:::.*``; log groups and streams the same), so the type of
a concrete ARN is decided by :data:`PRECISE_ARNS` — the shapes of the Service
Authorization Reference for the types the project uses — before cfn-lint's formats.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_ARN = r"arn:aws[\w-]*"
_REGION_ACCOUNT = r"[a-z0-9-]+:\d{12}"
PRECISE_ARNS: dict[str, dict[str, str]] = {
    "sqs": {"queue": rf"^{_ARN}:sqs:{_REGION_ACCOUNT}:[^:/]+$"},
    "sns": {"topic": rf"^{_ARN}:sns:{_REGION_ACCOUNT}:[^:/]+$"},
    "dynamodb": {
        "table": rf"^{_ARN}:dynamodb:{_REGION_ACCOUNT}:table/[^/]+$",
        "index": rf"^{_ARN}:dynamodb:{_REGION_ACCOUNT}:table/[^/]+/index/[^/]+$",
        "stream": rf"^{_ARN}:dynamodb:{_REGION_ACCOUNT}:table/[^/]+/stream/[^/]+$",
    },
    "s3": {"bucket": rf"^{_ARN}:s3:::[^/]+$", "object": rf"^{_ARN}:s3:::[^/]+/.+$"},
    "kms": {"key": rf"^{_ARN}:kms:{_REGION_ACCOUNT}:key/[^/]+$", "alias": rf"^{_ARN}:kms:{_REGION_ACCOUNT}:alias/.+$"},
    "secretsmanager": {"secret": rf"^{_ARN}:secretsmanager:{_REGION_ACCOUNT}:secret:.+$"},
    "cloudfront": {"distribution": rf"^{_ARN}:cloudfront::\d{{12}}:distribution/[^/]+$"},
    "logs": {
        "log-group": rf"^{_ARN}:logs:{_REGION_ACCOUNT}:log-group:[^:]+$",
        "log-stream": rf"^{_ARN}:logs:{_REGION_ACCOUNT}:log-group:[^:]+:(\*|log-stream:.+)$",
    },
}
"""Service -> resource type -> the exact shape of its ARNs."""


@dataclass(frozen=True)
class Action:
    """One IAM action: ``service:Name`` and the resource types it acts on (none: only ``*``)."""

    name: str
    resource_types: frozenset[str]


class Catalogue:
    """Look-ups in the bundled policy data (case-insensitive, as IAM is)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = {service.lower(): body for service, body in data.items()}

    def action(self, action: str) -> Action | None:
        """The catalogue's entry for ``service:Name``; ``None`` when IAM has no such action."""
        service, _, name = action.partition(":")
        entry = self._data.get(service.lower(), {}).get("Actions", {}).get(name.lower())
        if entry is None:
            return None
        return Action(action, frozenset(t.lower() for t in entry.get("Resources", [])))

    def resource_types(self, arn: str) -> set[str]:
        """The resource types ``arn`` is an ARN of (empty: none the catalogue knows)."""
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        precise = {kind for kind, shape in PRECISE_ARNS.get(service, {}).items() if re.match(shape, arn)}
        if service in PRECISE_ARNS:
            return precise
        found = set()
        for kind, body in self._data.get(service, {}).get("Resources", {}).items():
            for pattern in body.get("ARNFormats", []):
                if re.match("^" + re.sub(r"\$\{[^}]+\}", "[^:]*", pattern) + "$", arn):
                    found.add(kind.lower())
        return found


@functools.cache
def bundled() -> Catalogue:
    """cfn-lint's catalogue (the installed, pinned version)."""
    import cfnlint

    path = Path(cfnlint.__file__).parent / "data" / "AdditionalSpecs" / "Policies.json"
    return Catalogue(json.loads(path.read_text()))
