"""Which test-only fault budgets are armed, in one read (``chalicelib.cdn.FaultInjectingCdn``).

Consuming a budget is a conditional decrement per fault name; trying all three on every
invalidation made three writes that fail when, as almost always, nothing is armed. One
consistent ``BatchGetItem`` of the budget rows says which are worth trying: a budget
armed before the invalidation is seen, and the decrement stays the only thing that fires a
fault, so two processes never both consume the last unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from circulion.errors import TransientError


def fault_key(name: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"fault#{name}"}, "sk": {"S": "budget"}}


class DynamoFaultBudgets:
    """The budget rows ``fault#{name}`` / ``budget`` of the distribution table."""

    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._db = dynamodb
        self._table = table_name

    def armed(self, names: Sequence[str]) -> frozenset[str]:
        """The names whose budget has units left."""
        request: dict[str, Any] = {self._table: {"Keys": [fault_key(n) for n in names], "ConsistentRead": True}}
        items: list[dict[str, Any]] = []
        try:
            while request:
                response = self._db.batch_get_item(RequestItems=request)
                items += response.get("Responses", {}).get(self._table, [])
                request = response.get("UnprocessedKeys") or {}
        except ClientError as exc:
            raise TransientError(f"{self._table} fault budgets: {exc}") from exc
        return frozenset(
            str(i["pk"]["S"]).removeprefix("fault#") for i in items if int(i.get("remaining", {}).get("N", "0")) > 0
        )
