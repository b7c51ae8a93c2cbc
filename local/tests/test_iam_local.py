"""The local IAM pieces that need no emulator: the moto pin, DynamoDB's checks, roles, sessions."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from moto.s3.models import FakeKey

from circulion_local.emulator.patches import PINNED_MOTO, MotoMismatch, require
from circulion_local.iam.dynamodb_front import dynamodb_checks
from circulion_local.iam.resource_arns import iam_action
from circulion_local.iam.roles import function_policies, role_name
from circulion_local.iam.sessions import RoleSession
from deploy.permissions import PERMISSIONS

LOCK = Path(__file__).resolve().parents[2] / "requirements.lock"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table"


def test_the_patches_are_written_for_the_pinned_moto() -> None:
    (pinned,) = re.findall(r"^moto==(\S+)$", LOCK.read_text(), re.M)
    assert pinned == PINNED_MOTO


def test_a_patch_refuses_a_missing_attribute() -> None:
    with pytest.raises(MotoMismatch, match=r"has no .*_gone"):
        require((FakeKey, "_gone"))


def test_a_transaction_is_checked_item_by_item_on_each_table() -> None:
    body = {
        "TransactItems": [
            {"Put": {"TableName": "circulion-ledger", "Item": {}}},
            {"Update": {"TableName": "circulion-ledger", "Key": {}}},
            {"ConditionCheck": {"TableName": "circulion-recipes", "Key": {}}},
        ]
    }
    assert dynamodb_checks("TransactWriteItems", body, "us-east-1", "123456789012") == [
        ("dynamodb:PutItem", f"{TABLE}/circulion-ledger"),
        ("dynamodb:UpdateItem", f"{TABLE}/circulion-ledger"),
        ("dynamodb:ConditionCheckItem", f"{TABLE}/circulion-recipes"),
    ]


def test_a_query_of_an_index_is_checked_on_the_index() -> None:
    body = {"TableName": "circulion-recipes", "IndexName": "gsi1"}
    assert dynamodb_checks("Query", body, "us-east-1", "123456789012") == [
        ("dynamodb:Query", f"{TABLE}/circulion-recipes/index/gsi1")
    ]
    assert dynamodb_checks("BatchWriteItem", {"RequestItems": {"a": [], "b": []}}, "us-east-1", "123456789012") == [
        ("dynamodb:BatchWriteItem", f"{TABLE}/a"),
        ("dynamodb:BatchWriteItem", f"{TABLE}/b"),
    ]


def test_batch_operations_are_authorized_as_their_single_action() -> None:
    assert iam_action("sqs:SendMessageBatch") == "sqs:SendMessage"
    assert iam_action("sqs:ReceiveMessage") == "sqs:ReceiveMessage"


def test_one_role_per_function_of_the_map_and_the_operators() -> None:
    outputs = _outputs()
    names = {p.name for p in function_policies(outputs, {})}
    expected = {role_name(s, f) for s, functions in PERMISSIONS.items() for f in functions}
    assert names == expected | {"circulion-operator"}
    assert "circulion-distributor-distribute" in names and "circulion-splitter-process_chunk" in names


def test_a_test_override_removes_exactly_one_action() -> None:
    outputs = _outputs()
    name = "circulion-merger-coordinate"
    (full,) = [p for p in function_policies(outputs, {}) if p.name == name]
    (cut,) = [p for p in function_policies(outputs, {}, without={name: ["dynamodb:PutItem"]}) if p.name == name]
    actions = [a for s in full.document["Statement"] for a in s["Action"]]
    kept = [a for s in cut.document["Statement"] for a in s["Action"]]
    assert kept == [a for a in actions if a != "dynamodb:PutItem"]
    with pytest.raises(KeyError, match="not granted"):
        function_policies(outputs, {}, without={name: ["dynamodb:DeleteTable"]})


class FakeSts:
    def __init__(self) -> None:
        self.calls = 0

    def assume_role(self, **request: Any) -> dict[str, Any]:
        self.calls += 1
        expires = datetime.fromtimestamp(1000 + request["DurationSeconds"], UTC)
        keys = {"AccessKeyId": f"ASIA{self.calls}", "SecretAccessKey": "s", "SessionToken": "t"}
        return {"Credentials": {**keys, "Expiration": expires}}


def test_a_session_is_reused_until_it_nears_expiry_then_assumed_again() -> None:
    now = [1000.0]
    sts = FakeSts()
    role = RoleSession(sts, "arn:aws:iam::123456789012:role/r", "s", duration_s=900, margin_s=60, clock=lambda: now[0])
    first = role.current()
    assert first.environment()["AWS_ACCESS_KEY_ID"] == "ASIA1" and not role.stale(first)
    now[0] = 1000 + 900 - 61
    assert role.current() is first
    now[0] = 1000 + 900 - 59
    assert role.stale(first)  # a worker started with it is replaced before its next invocation
    assert role.current().access_key_id == "ASIA2" and sts.calls == 2


def _outputs() -> dict[str, str]:
    from deploy.policy_lint import sample_exports

    return sample_exports()


def test_enforcement_is_on_unless_the_flag_or_the_variable_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from circulion_local.__main__ import _parser, options_from

    monkeypatch.delenv("CIRCULION_ENFORCE_IAM", raising=False)
    assert options_from(_parser().parse_args(["run"])).enforce_iam is True
    assert options_from(_parser().parse_args(["run", "--no-enforce-iam"])).enforce_iam is False
    monkeypatch.setenv("CIRCULION_ENFORCE_IAM", "0")
    assert options_from(_parser().parse_args(["run"])).enforce_iam is False
