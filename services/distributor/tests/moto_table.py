"""The distribution table in moto's in-process DynamoDB, for the narrow store tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from circulion.testing.tables import create_keyed_table

TABLE = "circulion-distribution"


@contextlib.contextmanager
def distribution_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto DynamoDB client with :data:`TABLE` created (never a real endpoint or key)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        create_keyed_table(db, TABLE)
        yield db
