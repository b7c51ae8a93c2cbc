"""The functions' roles in the emulator, made from ``deploy/permissions.py`` (no second list).

Provisioning creates, with the account's root key as CloudFormation would, exactly the
roles ``make package`` deploys: one per function of the map (the API's ``api_handler``
included), named ``circulion-{service}-{function}``, each with one inline policy rendered
by :mod:`deploy.policy` — the same renderer the packaged templates use — with the
provisioned stack's outputs in place of ``Fn::ImportValue``. Plus ``circulion-operator``
(:mod:`deploy.operator_role`) for the SRE commands. Safe to run twice (policies are
replaced); a test may put a role's policy with an action removed
(:func:`put_role_policy`) and put it back.

Examples
--------
>>> role_name("splitter", "process_chunk")
'circulion-splitter-process_chunk'
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
if str(REPO_ROOT) not in sys.path:  # deploy/ is not a package of its own: it lives beside local/
    sys.path.append(str(REPO_ROOT))

from deploy.grants import Grant  # noqa: E402
from deploy.operator_role import OPERATOR_ROLE, operator_grants  # noqa: E402
from deploy.permissions import PERMISSIONS  # noqa: E402
from deploy.policy import policy_document  # noqa: E402

ACCOUNT_ID = "123456789012"
POLICY_NAME = "circulion-permissions"
MAX_SESSION_S = 43200
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
        # The local runtime plays Lambda: it assumes the role with the account's root key.
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole"},
    ],
}


def role_name(service: str, function: str) -> str:
    """``circulion-{service}-{function}``: the role of one function of the map."""
    return f"circulion-{service}-{function}"


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"


@dataclass(frozen=True)
class LocalTarget:
    """Grants spelt with the provisioned stack's outputs (what ``Fn::ImportValue`` resolves to)."""

    outputs: Mapping[str, str]
    region: str = "us-east-1"
    account: str = ACCOUNT_ID

    def exported(self, output: str, suffix: str) -> Any:
        if output not in self.outputs:
            raise KeyError(f"the permission map refers to output {output}, which the stack does not export")
        return self.outputs[output] + suffix

    def distribution(self, id_output: str) -> Any:
        return f"arn:aws:cloudfront::{self.account}:distribution/{self.exported(id_output, '')}"

    def log_group(self, function_name: str, suffix: str) -> Any:
        return f"arn:aws:logs:{self.region}:{self.account}:log-group:/aws/lambda/{function_name}{suffix}"

    def cloudwatch(self, path: str) -> Any:
        return f"arn:aws:cloudwatch:{self.region}:{self.account}:{path}"


@dataclass(frozen=True)
class RolePolicy:
    """One role to create: its name, the Lambda function it belongs to, its policy."""

    name: str
    lambda_name: str
    document: dict[str, Any]


def function_policies(
    outputs: Mapping[str, str],
    lambda_names: Mapping[tuple[str, str], str],
    *,
    without: Mapping[str, Sequence[str]] = {},
) -> list[RolePolicy]:
    """Every function's role, from the map; ``without`` (role name -> actions) drops actions (tests)."""
    target = LocalTarget(outputs)
    policies = []
    for service, functions in PERMISSIONS.items():
        for function, grants in functions.items():
            name = role_name(service, function)
            lambda_name = lambda_names.get((service, function), f"circulion-{service}-local-{function}")
            kept = _without(grants, without.get(name, ()))
            policies.append(RolePolicy(name, lambda_name, policy_document(kept, lambda_name, target)))
    operator = policy_document(operator_grants(), OPERATOR_ROLE, target)
    policies.append(RolePolicy(OPERATOR_ROLE, OPERATOR_ROLE, operator))
    return policies


def provision_roles(iam: Any, policies: Sequence[RolePolicy]) -> None:
    """Create each role (if new) and put its inline policy (always), with an admin IAM client."""
    for policy in policies:
        with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
            iam.create_role(
                RoleName=policy.name,
                AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
                MaxSessionDuration=MAX_SESSION_S,
                Description=f"circulion: {policy.lambda_name} (deploy/permissions.py)",
            )
        put_role_policy(iam, policy)


def put_role_policy(iam: Any, policy: RolePolicy) -> None:
    """Replace a role's inline policy (what CloudFormation does on an update)."""
    iam.put_role_policy(RoleName=policy.name, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(policy.document))


def _without(grants: Sequence[Grant], actions: Sequence[str]) -> tuple[Grant, ...]:
    if not actions:
        return tuple(grants)
    unknown = set(actions) - {a for g in grants for a in g.actions}
    if unknown:
        raise KeyError(f"not granted, cannot remove: {', '.join(sorted(unknown))}")
    kept = (Grant(g.sid, tuple(a for a in g.actions if a not in actions), g.resources) for g in grants)
    return tuple(g for g in kept if g.actions)
