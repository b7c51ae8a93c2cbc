"""Token checks fail closed, and the JWKS is cached by PyJWT's client with a refetch cooldown."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from app import app
from chalice.test import Client

from chalicelib import bootstrap
from chalicelib.auth import JwksKeys, TokenRules, TokenVerifier
from chalicelib.deps import Deps
from chalicelib.errors import Unauthorized, Unavailable
from tests.conftest import World
from tests.fakes import ISSUER, TestIssuer

SHA = "0" * 64


def _create(client: Any, token: str) -> Any:
    body = {"name": "screws", "size": 2, "sha256": SHA, "content_type": "application/json"}
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    return client.http.request("POST", "/recipes", headers=headers, body=json.dumps(body))


@pytest.mark.parametrize("audience", [None, ""])
def test_an_unset_audience_is_a_503_not_an_open_door(
    world: World, wire: Callable[[Deps], Deps], audience: str | None
) -> None:
    settings = world.deps.settings.model_copy(update={"token_audience": audience})
    wire(replace(world.deps, settings=settings, verifier=lambda: bootstrap.build_verifier(settings)))
    with Client(app) as client:
        r = _create(client, world.issuer.token("acme", aud="some-other-app"))
    assert r.status_code == 503, r.body
    error = json.loads(r.body)["error"]
    assert error["code"] == "unavailable" and "token_audience" in error["message"]
    assert world.store.recipes == {}


def test_a_verifier_built_without_an_audience_refuses_every_token() -> None:
    issuer = TestIssuer()
    verifier = TokenVerifier(
        JwksKeys("http://issuer.test/jwks", fetch=lambda _u: issuer.jwks()), TokenRules(ISSUER, None)
    )
    with pytest.raises(Unavailable):
        verifier.verify(issuer.token("acme"))


class CountingJwks:
    def __init__(self, issuer: TestIssuer) -> None:
        self.issuer = issuer
        self.fetches = 0

    def __call__(self, _url: str) -> dict[str, Any]:
        self.fetches += 1
        return self.issuer.jwks()


def test_the_key_set_is_fetched_once_and_forged_kids_cannot_hammer_the_issuer() -> None:
    issuer = TestIssuer()
    jwks = CountingJwks(issuer)
    keys = JwksKeys("http://issuer.test/jwks", fetch=jwks, min_refresh_interval_s=3600)
    verifier = TokenVerifier(keys, TokenRules(ISSUER, "circulion-test"))
    for _ in range(20):
        assert verifier.verify(issuer.token("acme")).tenant_id == "acme"
    assert jwks.fetches == 1
    forger = TestIssuer(kid="forged")
    for _ in range(50):
        with pytest.raises(Unauthorized):
            verifier.verify(forger.token("acme"))
    assert jwks.fetches <= 2  # at most one refetch per cooldown


def test_a_rotated_key_is_picked_up_by_one_refetch() -> None:
    old, new = TestIssuer(kid="old"), TestIssuer(kid="new")
    published = [old]

    def fetch(_url: str) -> dict[str, Any]:
        return {"keys": [k for i in published for k in i.jwks()["keys"]]}

    verifier = TokenVerifier(
        JwksKeys("http://issuer.test/jwks", fetch=fetch, min_refresh_interval_s=0), TokenRules(ISSUER, "circulion-test")
    )
    assert verifier.verify(old.token("acme")).tenant_id == "acme"
    published.append(new)
    assert verifier.verify(new.token("globex")).tenant_id == "globex"


def test_an_unreachable_issuer_is_a_503() -> None:
    def down(_url: str) -> dict[str, Any]:
        raise ConnectionRefusedError("issuer down")

    verifier = TokenVerifier(JwksKeys("http://issuer.test/jwks", fetch=down), TokenRules(ISSUER, "circulion-test"))
    with pytest.raises(Unavailable):
        verifier.verify(TestIssuer().token("acme"))
