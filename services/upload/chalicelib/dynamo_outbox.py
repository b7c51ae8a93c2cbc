""":class:`~chalicelib.outbox.CommandOutbox` on the recipes table: ``OUTBOX#commands / {recipe_id}``.

One partition: withdrawals are rare operator actions, and the sweep reads them all at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.outbox import CommandOutbox, PendingCommand
from circulion.errors import TransientError

OUTBOX_PK = "OUTBOX#commands"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class DynamoCommandOutbox(CommandOutbox):
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def _key(self, recipe_id: str) -> dict[str, Any]:
        return {"pk": {"S": OUTBOX_PK}, "sk": {"S": recipe_id}}

    def note(self, command: PendingCommand) -> None:
        self._call(
            "put_item",
            TableName=self._table,
            Item={
                **self._key(command.recipe_id),
                "sequence": {"N": str(command.sequence)},
                "due_at": {"S": command.due_at.isoformat(timespec="microseconds")},
                "resends": {"N": str(command.resends)},
            },
        )

    def due(self, now: datetime, limit: int) -> list[PendingCommand]:
        page = self._call(
            "query",
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            FilterExpression="due_at <= :now",
            ExpressionAttributeValues={":pk": {"S": OUTBOX_PK}, ":now": {"S": now.isoformat(timespec="microseconds")}},
            ConsistentRead=True,
        )
        found = [
            PendingCommand(
                i["sk"]["S"],
                int(i["sequence"]["N"]),
                datetime.fromisoformat(i["due_at"]["S"]),
                int(i.get("resends", {}).get("N", "0")),
            )
            for i in page.get("Items", [])
        ]
        return found[:limit]

    def settle(self, recipe_id: str, sequence: int) -> None:
        try:
            self._db.delete_item(
                TableName=self._table,
                Key=self._key(recipe_id),
                ConditionExpression="#seq = :seq",
                ExpressionAttributeNames={"#seq": "sequence"},
                ExpressionAttributeValues={":seq": {"N": str(sequence)}},
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":  # gone, or a newer one: keep that
                raise TransientError(f"outbox settle: {_code(exc)}") from exc

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._db, operation)(**kwargs)
        except ClientError as exc:
            raise TransientError(f"outbox {operation}: {_code(exc)}") from exc
