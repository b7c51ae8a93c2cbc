"""The recipes table's items as Python values, and how its adapters read a ``ClientError``."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from circulion.errors import TransientError

_ser = TypeSerializer()
_de = TypeDeserializer()


def dump(values: dict[str, Any]) -> dict[str, Any]:
    """Python values as DynamoDB attribute values."""
    return {k: _ser.serialize(v) for k, v in values.items()}


def load(item: dict[str, Any]) -> dict[str, Any]:
    """An item's attribute values as Python values."""
    return {k: _de.deserialize(v) for k, v in item.items()}


def conditional_failed(exc: ClientError) -> bool:
    return bool(exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def transient(exc: ClientError, what: str) -> TransientError:
    return TransientError(f"{what}: {exc.response.get('Error', {}).get('Code', exc)}")
