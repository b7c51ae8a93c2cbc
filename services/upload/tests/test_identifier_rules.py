"""Names, versions, hashes and tenants are checked whole: a control character anywhere is refused.

``re.match`` with ``^...$`` accepted ``"arm\\n"``: the recipe was created and uploaded, then
failed in the merger with a 404. These tests go through the API (and the token check) the
way a client does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from app import app
from chalice.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chalicelib.auth import TENANT_PATTERN
from chalicelib.notifications import KEY_PATTERN
from chalicelib.recipe import name_problem, next_version
from tests.conftest import World

SHA = hashlib.sha256(b"{}").hexdigest()
CONTROL = st.characters(categories=["Cc"]) | st.sampled_from(["\u2028", "\u2029"])
VALID = {"name": "arm-removal.v2", "version": "1.20.3", "sha256": SHA}


@pytest.fixture
def client(world: World) -> Any:
    with Client(app) as c:
        yield c


def _with(text: str, char: str, where: int) -> str:
    at = min(where, len(text))  # past the end means at the end, where a loose $ let it through
    return text[:at] + char + text[at:]


def create(client: Any, world: World, tenant: str = "acme", **fields: str) -> Any:
    body = {**VALID, "size": 2, "content_type": "application/json", **fields}
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {world.issuer.token(tenant)}"}
    return client.http.request("POST", "/recipes", headers=headers, body=json.dumps(body))


@pytest.mark.parametrize("field", ["name", "version", "sha256"])
@pytest.mark.parametrize("suffix", ["\n", "\r\n", "\x00"])
def test_a_trailing_newline_or_nul_is_a_400(client: Any, world: World, field: str, suffix: str) -> None:
    r = create(client, world, **{field: VALID[field] + suffix})
    assert r.status_code == 400, r.body
    assert json.loads(r.body)["error"]["code"] == "validation_failed"
    assert world.store.recipes == {}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(field=st.sampled_from(list(VALID)), char=CONTROL, where=st.integers(min_value=0))
@example(field="name", char="\n", where=10_000)
@example(field="version", char="\n", where=10_000)
def test_a_control_character_anywhere_in_a_field_is_a_400(
    client: Any, world: World, field: str, char: str, where: int
) -> None:
    r = create(client, world, **{field: _with(VALID[field], char, where)})
    assert r.status_code == 400, r.body


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(char=CONTROL, where=st.integers(min_value=0))
@example(char="\n", where=10_000)
def test_a_tenant_claim_with_a_control_character_is_a_401(client: Any, world: World, char: str, where: int) -> None:
    r = create(client, world, tenant=_with("acme", char, where))
    assert r.status_code == 401, r.body
    assert json.loads(r.body)["error"]["code"] == "invalid_token"


@given(char=CONTROL, where=st.integers(min_value=0))
@example(char="\n", where=10_000)  # at the end of each string
def test_the_service_patterns_match_whole_strings(char: str, where: int) -> None:
    assert name_problem(_with("arm", char, where)) is not None
    assert TENANT_PATTERN.fullmatch(_with("acme", char, where)) is None
    key = "incoming/acme/0123456789abcdef0123456789abcdef"
    assert KEY_PATTERN.fullmatch(key) is not None
    assert KEY_PATTERN.fullmatch(_with(key, char, where)) is None
    # A stored version with a newline (written before this fix) is not a base for the next one.
    assert next_version(["1.0.0", _with("7.0.0", char, where)]) == "1.0.1"
