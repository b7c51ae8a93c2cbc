"""Through moto's DynamoDB server app, the emulator's answers (attribute values serialised
directly) are byte for byte moto's own: reads, updates with ``ReturnValues``, and the errors
that carry items (a failed condition's ``Item``, a cancelled transaction's reasons)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from attribute_value_serialisers import MotosOwnSerializer, serialise_attribute_values_directly
from moto.core import responses
from moto.moto_server.werkzeug_app import create_backend_app
from werkzeug.test import Client

TABLE = "attribute-values"
KEY = {"pk": {"S": "job#1"}, "sk": {"S": "status"}}
ITEM = {
    **KEY,
    "text": {"S": "é ✓"},
    "count": {"N": "-12.50"},
    "blob": {"B": "AAEC/w=="},
    "names": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2.5"]},
    "blobs": {"BS": ["AA==", "AQ=="]},
    "nothing": {"NULL": True},
    "flag": {"BOOL": False},
    "nested": {"M": {"inner": {"L": [{"S": "x"}, {"M": {"deep": {"N": "1"}, "b": {"B": "AQ=="}}}, {"L": []}]}}},
    "empty": {"M": {}},
}
UPDATE = {
    "TableName": TABLE,
    "Key": KEY,
    "UpdateExpression": "SET #t = :t ADD #c :one",
    "ExpressionAttributeNames": {"#t": "text", "#c": "count"},
    "ExpressionAttributeValues": {":t": {"S": "next"}, ":one": {"N": "1"}},
}
PROJECTED = {"ExpressionAttributeNames": {"#m": "nested", "#b": "blob", "#n": "names"}}
PK = KEY["pk"]
NOT_THERE = "attribute_not_exists(pk)"
FAILING = {"ConditionExpression": NOT_THERE, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}


def _requests() -> list[tuple[str, dict[str, Any]]]:
    put = {"TableName": TABLE, "Item": ITEM}
    return [
        ("PutItem", put),
        ("GetItem", {"TableName": TABLE, "Key": KEY}),
        ("GetItem", {"TableName": TABLE, "Key": KEY, "ProjectionExpression": "#m.inner[1], #b, #n", **PROJECTED}),
        ("Query", {"TableName": TABLE, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": PK}}),
        ("Scan", {"TableName": TABLE}),
        ("BatchGetItem", {"RequestItems": {TABLE: {"Keys": [KEY]}}}),
        *[
            ("UpdateItem", {**UPDATE, "ReturnValues": given})
            for given in ("ALL_NEW", "ALL_OLD", "UPDATED_OLD", "UPDATED_NEW")
        ],
        ("PutItem", {**put, **FAILING}),
        ("UpdateItem", {**UPDATE, **FAILING}),
        ("UpdateItem", {**UPDATE, "ConditionExpression": NOT_THERE}),
        (
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Update": {**UPDATE, **FAILING}},
                    {"Put": {"TableName": TABLE, "Item": {**ITEM, "sk": {"S": "other"}}}},
                ]
            },
        ),
        ("GetItem", {"TableName": "no-such-table", "Key": KEY}),
        ("DeleteItem", {"TableName": TABLE, "Key": KEY, "ReturnValues": "ALL_OLD"}),
    ]


def _answers(region: str) -> list[tuple[int, bytes]]:
    """Every request's status and body, against a table of its own (in ``region``)."""
    client = Client(create_backend_app("dynamodb"))
    headers = {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261202/{region}/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0",
        "Content-Type": "application/x-amz-json-1.0",
    }
    definitions = [{"AttributeName": name, "AttributeType": "S"} for name in KEY]
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    table = {"TableName": TABLE, "KeySchema": schema, "AttributeDefinitions": definitions}
    table["BillingMode"] = "PAY_PER_REQUEST"
    answers = []
    for operation, body in [("CreateTable", table), *_requests()]:
        answer = client.post(
            "/", data=json.dumps(body), headers={**headers, "X-Amz-Target": f"DynamoDB_20120810.{operation}"}
        )
        answers.append((answer.status_code, answer.data))
    return answers[1:]  # the table's description names its region


def test_reads_updates_and_errors_are_byte_for_byte_motos_own(monkeypatch: pytest.MonkeyPatch) -> None:
    serialise_attribute_values_directly()
    emulated = _answers("eu-west-1")
    with monkeypatch.context() as motos_own:
        motos_own.setattr(responses, "get_serializer_class", lambda _service, _protocol: MotosOwnSerializer)
        expected = _answers("eu-west-2")
    assert [status for status, _ in emulated] == [200] * 10 + [400] * 5 + [200]
    for (operation, _), answer, motos in zip(_requests(), emulated, expected, strict=True):
        assert answer == motos, operation
    reasons = json.loads(emulated[13][1])["CancellationReasons"]
    assert reasons[0]["Code"] == "ConditionalCheckFailed" and reasons[0]["Item"]["nested"] == ITEM["nested"]
    assert json.loads(emulated[1][1])["Item"] == ITEM
