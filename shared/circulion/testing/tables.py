"""DynamoDB tables of the project's shape, for tests against moto or the emulator."""

from __future__ import annotations

from typing import Any


def create_keyed_table(dynamodb: Any, name: str) -> None:
    """An on-demand table keyed by string ``pk`` (hash) and ``sk`` (range), as the ledger,
    distribution and test tables in ``infra/template.yaml`` are."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
