"""Rendering a function's grants as an IAM policy document for one template language.

The grants say *what* (an infra export, the function's log group); a :class:`Target` says
how that is spelled in CloudFormation (``Fn::ImportValue``) or Terraform
(``${data.aws_cloudformation_export.X.value}``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from deploy.grants import CloudWatchResource, Distribution, Everything, Exported, Grant, OwnLogGroup, Resource


class Target(Protocol):
    """How a template language spells the resources of a grant."""

    def exported(self, output: str, suffix: str) -> Any: ...

    def distribution(self, id_output: str) -> Any: ...

    def log_group(self, function_name: str, suffix: str) -> Any: ...

    def cloudwatch(self, path: str) -> Any: ...


def policy_document(grants: Sequence[Grant], function_name: str, target: Target) -> dict[str, Any]:
    """The IAM policy of one function, one statement per grant, in map order."""
    statements = [
        {
            "Sid": grant.sid,
            "Effect": "Allow",
            "Action": list(grant.actions),
            "Resource": [r for resource in grant.resources for r in _render(resource, function_name, target)],
        }
        for grant in grants
    ]
    sids = [grant.sid for grant in grants]
    duplicates = sorted({sid for sid in sids if sids.count(sid) > 1})
    if duplicates:
        raise ValueError(f"{function_name}: statement ids repeat: {', '.join(duplicates)}")
    return {"Version": "2012-10-17", "Statement": statements}


def _render(resource: Resource, function_name: str, target: Target) -> list[Any]:
    match resource:
        case Exported(output, suffix):
            return [target.exported(output, suffix)]
        case Distribution(id_output):
            return [target.distribution(id_output)]
        case OwnLogGroup():
            # CreateLogGroup acts on the group, the other two on its streams.
            return [target.log_group(function_name, ""), target.log_group(function_name, ":*")]
        case CloudWatchResource(path):
            return [target.cloudwatch(path)]
        case Everything():
            return ["*"]
    raise TypeError(f"unknown resource {resource!r}")  # pragma: no cover - the union is closed


def referenced_outputs(grants: Iterable[Grant]) -> set[str]:
    """Infra outputs the grants refer to (each must be exported by the infra template)."""
    found: set[str] = set()
    for grant in grants:
        for resource in grant.resources:
            if isinstance(resource, Exported):
                found.add(resource.output)
            elif isinstance(resource, Distribution):
                found.add(resource.id_output)
    return found
