"""The runtime's view of the roles: provision them, and hand each function a session of its own.

The supervisor calls :meth:`FunctionRoles.provision` right after the stack is provisioned
and :meth:`FunctionRoles.session` for every function it starts; a function whose role does
not exist in the emulator (an extra app whose template declares none) is refused with a
message saying where to declare it. Nothing a function runs with is the account's root
key: :func:`without_credentials` strips it from the environment the stack passes down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import boto3

from circulion.errors import ConfigurationError
from circulion_local.iam.roles import MAX_SESSION_S, function_policies, provision_roles, role_arn, role_name
from circulion_local.iam.sessions import SESSION_S, RoleSession
from circulion_local.ports import LOCAL_ACCESS_KEY, LOCAL_REGION, LOCAL_SECRET_KEY

CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


class MissingRole(ConfigurationError):
    """A function the runtime was asked to start has no role in the emulator."""

    code = "missing_role"


def without_credentials(environment: Mapping[str, str]) -> dict[str, str]:
    """``environment`` minus any AWS credentials (each process gets its role's session instead)."""
    return {name: value for name, value in environment.items() if name not in CREDENTIAL_VARIABLES}


class FunctionRoles:
    """The functions' roles in one emulator, used with the account's root key (as Lambda's service would)."""

    def __init__(self, endpoint_url: str) -> None:
        session = boto3.session.Session(
            aws_access_key_id=LOCAL_ACCESS_KEY, aws_secret_access_key=LOCAL_SECRET_KEY, region_name=LOCAL_REGION
        )
        self._iam: Any = session.client("iam", endpoint_url=endpoint_url)
        self._sts: Any = session.client("sts", endpoint_url=endpoint_url)
        self._sessions: dict[str, RoleSession] = {}

    @property
    def iam(self) -> Any:
        return self._iam

    def provision(self, outputs: Mapping[str, str], lambda_names: Mapping[tuple[str, str], str]) -> list[str]:
        """Create every role of the map (and the operator's); their names."""
        policies = function_policies(outputs, lambda_names)
        provision_roles(self._iam, policies)
        return [policy.name for policy in policies]

    def session(self, service: str, function: str, session_name: str, *, long_lived: bool = False) -> RoleSession:
        """The role session of ``service.function`` (one per function, shared by its processes).

        ``long_lived``: the API server's, which runs as one process for the whole stack's
        life: the longest session the role allows.
        """
        name = role_name(service, function)
        if name not in self._sessions:
            try:
                self._iam.get_role(RoleName=name)
            except self._iam.exceptions.NoSuchEntityException:
                raise MissingRole(
                    f"{service}.{function} has no role {name}: declare its permissions in deploy/permissions.py "
                    f"(or, for an app outside the map, an AWS::IAM::Role named {name} in its --extra-template)"
                ) from None
            duration = MAX_SESSION_S if long_lived else SESSION_S
            self._sessions[name] = RoleSession(self._sts, role_arn(name), session_name, duration_s=duration)
        return self._sessions[name]

    def arns(self) -> dict[str, str]:
        """Role name -> ARN of every session handed out (for ready.json)."""
        return {name: session.role_arn for name, session in self._sessions.items()}


def lambda_names(specs: Iterable[Any]) -> dict[tuple[str, str], str]:
    """``(service, function)`` -> deployed function name, from the runtime's function specs."""
    return {(spec.service, spec.name): spec.lambda_name for spec in specs}
