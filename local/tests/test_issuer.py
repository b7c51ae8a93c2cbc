"""The local issuer's tokens carry roles the way Cognito carries groups."""

from __future__ import annotations

import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from circulion_local.issuer import GROUPS_CLAIM, TokenIssuer, _token_request


def _claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _issuer() -> TokenIssuer:
    return TokenIssuer(rsa.generate_private_key(public_exponent=65537, key_size=2048), "http://issuer.test")


def test_groups_become_the_cognito_groups_claim() -> None:
    token = _issuer().mint("acme", groups=("robot",))
    assert _claims(token)[GROUPS_CLAIM] == ["robot"]


def test_a_token_without_groups_has_no_group_claim() -> None:
    assert GROUPS_CLAIM not in _claims(_issuer().mint("acme"))


@pytest.mark.parametrize(("role", "groups"), [("robot", ("robot",)), ("admin", ("admin",)), ("uploader", ())])
def test_dev_token_requests_name_a_role(role: str, groups: tuple[str, ...]) -> None:
    assert _token_request(json.dumps({"tenant": "acme", "role": role}).encode()) == ("acme", 3600, groups)


def test_dev_token_role_defaults_to_uploader_and_refuses_others() -> None:
    assert _token_request(b'{"tenant": "acme"}')[2] == ()
    with pytest.raises(ValueError, match="role"):
        _token_request(b'{"tenant": "acme", "role": "root"}')
