"""IAM roles a template declares (an app outside ``deploy/permissions.py``, e.g. a test fixture).

The shared template declares none: the functions' roles come from the permission map
(:mod:`circulion_local.iam.roles`). An extra app started with ``--app-dir`` brings its own
in its ``--extra-template``, named ``circulion-{service}-{function}`` like the map's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from circulion_local.cfn.base import AwsEndpoint, Created, check_properties, policy_json


def create_role(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(
        logical_id,
        props,
        allowed=("Description", "MaxSessionDuration", "Policies"),
        required=("RoleName", "AssumeRolePolicyDocument"),
    )
    iam = aws.client("iam")
    name = str(props["RoleName"])
    request: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": policy_json(props["AssumeRolePolicyDocument"]),
    }
    if "Description" in props:
        request["Description"] = str(props["Description"])
    if "MaxSessionDuration" in props:
        request["MaxSessionDuration"] = int(props["MaxSessionDuration"])
    try:
        arn = str(iam.create_role(**request)["Role"]["Arn"])
    except iam.exceptions.EntityAlreadyExistsException:
        arn = str(iam.get_role(RoleName=name)["Role"]["Arn"])
    for policy in props.get("Policies", []):
        iam.put_role_policy(
            RoleName=name, PolicyName=str(policy["PolicyName"]), PolicyDocument=policy_json(policy["PolicyDocument"])
        )
    return Created(name, {"Arn": arn, "RoleId": name})
