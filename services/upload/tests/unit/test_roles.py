"""Roles from cognito:groups and the route table."""

from __future__ import annotations

import pytest

from chalicelib.auth import Principal, groups_claim
from chalicelib.errors import Forbidden
from chalicelib.roles import Role, authorize, required_role, roles_of


def principal(*groups: str) -> Principal:
    return Principal(tenant_id="acme", subject="s", groups=groups)


def test_no_group_claim_is_an_uploader() -> None:
    assert roles_of(principal()) == {Role.UPLOADER}
    assert roles_of(principal("some-other-group")) == {Role.UPLOADER}


def test_groups_claim_must_be_a_list_of_strings() -> None:
    assert groups_claim({"cognito:groups": ["robot", 3]}) == ("robot",)
    assert groups_claim({"cognito:groups": "admin"}) == ()


@pytest.mark.parametrize(
    ("method", "route", "role"),
    [
        ("GET", "/names", Role.ROBOT),
        ("GET", "/names/{name}/latest", Role.ROBOT),
        ("POST", "/recipes/{recipe_id}/withdraw", Role.ADMIN),
        ("POST", "/recipes/{recipe_id}/restore", Role.ADMIN),
        ("POST", "/recipes", Role.UPLOADER),
        ("GET", "/recipes/{recipe_id}/download", Role.UPLOADER),
        ("GET", "/schemas/some-new-route", Role.UPLOADER),
    ],
)
def test_route_table(method: str, route: str, role: Role) -> None:
    assert required_role(method, route) is role


@pytest.mark.parametrize(
    ("groups", "route", "allowed"),
    [
        (("robot",), ("GET", "/names/{name}"), True),
        (("robot",), ("POST", "/recipes"), False),
        (("robot",), ("POST", "/recipes/{recipe_id}/abort"), False),
        ((), ("GET", "/names/{name}"), True),
        ((), ("POST", "/recipes/{recipe_id}/withdraw"), False),
        (("admin",), ("POST", "/recipes/{recipe_id}/withdraw"), True),
        (("admin",), ("POST", "/recipes"), True),
        (("robot", "admin"), ("POST", "/recipes/{recipe_id}/restore"), True),
    ],
)
def test_authorize(groups: tuple[str, ...], route: tuple[str, str], allowed: bool) -> None:
    if allowed:
        authorize(principal(*groups), *route)
        return
    with pytest.raises(Forbidden) as raised:
        authorize(principal(*groups), *route)
    assert raised.value.details["required_role"] == required_role(*route).value  # type: ignore[index]
