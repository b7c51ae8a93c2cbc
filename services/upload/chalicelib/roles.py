"""Roles from the token's ``cognito:groups``, and which role each route requires.

Three roles: ``uploader`` (every token without a known group, so existing clients keep
working), ``robot`` (read-only: the name routes) and ``admin`` (an uploader who may also
withdraw and restore). The table is by Chalice route, checked once before the route runs,
so a route nobody listed is uploader-only: a robot token fails closed on new routes.
"""

from __future__ import annotations

from enum import StrEnum

from chalicelib.auth import Principal
from chalicelib.errors import Forbidden


class Role(StrEnum):
    UPLOADER = "uploader"
    ROBOT = "robot"
    ADMIN = "admin"


ALLOWED: dict[Role, frozenset[Role]] = {
    Role.ROBOT: frozenset({Role.ROBOT, Role.UPLOADER, Role.ADMIN}),
    Role.UPLOADER: frozenset({Role.UPLOADER, Role.ADMIN}),
    Role.ADMIN: frozenset({Role.ADMIN}),
}
"""Required role -> the roles that satisfy it (an admin can do what an uploader can)."""

ROUTE_ROLES: dict[tuple[str, str], Role] = {
    ("GET", "/names"): Role.ROBOT,
    ("GET", "/names/{name}"): Role.ROBOT,
    ("GET", "/names/{name}/latest"): Role.ROBOT,
    ("POST", "/recipes/{recipe_id}/withdraw"): Role.ADMIN,
    ("POST", "/recipes/{recipe_id}/restore"): Role.ADMIN,
}
"""Routes that need something other than ``uploader``."""

_NAMES = frozenset(r.value for r in Role)


def roles_of(principal: Principal) -> frozenset[Role]:
    """The principal's roles; a token with no known group is an uploader."""
    known = {Role(g) for g in principal.groups if g in _NAMES}
    return frozenset(known) or frozenset({Role.UPLOADER})


def required_role(method: str, route: str) -> Role:
    return ROUTE_ROLES.get((method.upper(), route), Role.UPLOADER)


def require(principal: Principal, role: Role) -> None:
    """Raise :class:`Forbidden` unless one of the principal's roles satisfies ``role``."""
    have = roles_of(principal)
    if have & ALLOWED[role]:
        return
    raise Forbidden(
        f"this needs the {role.value} role",
        details={"required_role": role.value, "roles": sorted(r.value for r in have)},
    )


def authorize(principal: Principal, method: str, route: str) -> Principal:
    """The principal, if its roles allow ``method route``; else :class:`Forbidden`."""
    require(principal, required_role(method, route))
    return principal
