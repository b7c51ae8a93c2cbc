""":class:`~chalicelib.name_index.NameIndex` on the recipes table.

Items: ``NAMES#{tenant} / {name}`` with ``live`` (a JSON summary, absent when none is
live); the versions of a name are the claims ``NAME#{tenant}#{name} / VERSION#{v}`` that
:class:`~chalicelib.dynamo_store.DynamoRecipeStore` writes with each recipe.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.dynamo_values import dump, load
from chalicelib.live import LiveVersion
from chalicelib.name_index import (
    NameEntry,
    NameIndex,
    NamePage,
    after_name,
    live_from_json,
    live_to_json,
    name_cursor,
    names_pk,
)
from chalicelib.recipe import Recipe
from chalicelib.recipe_item import RECIPE_SK, from_item
from chalicelib.store import name_pk, recipe_pk
from circulion.errors import TransientError

BATCH_GET_KEYS = 100
"""DynamoDB's limit of keys per BatchGetItem."""
_BATCH_ATTEMPTS = 5


class DynamoNameIndex(NameIndex):
    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def recipes_of(self, tenant_id: str, name: str) -> list[Recipe]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :v)",
            "ExpressionAttributeValues": dump({":pk": name_pk(tenant_id, name), ":v": "VERSION#"}),
            "ConsistentRead": True,
        }
        ids: list[str] = []
        while True:
            page = self._call("query", **kwargs)
            ids.extend(str(load(i)["recipe_id"]) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        found = self._batch_get(ids)
        return [r for r in found if r.tenant_id == tenant_id]

    def _batch_get(self, recipe_ids: list[str]) -> list[Recipe]:
        """The recipes, ``BATCH_GET_KEYS`` per request (a name's versions in a few round trips)."""
        recipes: list[Recipe] = []
        for start in range(0, len(recipe_ids), BATCH_GET_KEYS):
            keys = [dump({"pk": recipe_pk(i), "sk": RECIPE_SK}) for i in recipe_ids[start : start + BATCH_GET_KEYS]]
            request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
            for _ in range(_BATCH_ATTEMPTS):
                response = self._call("batch_get_item", RequestItems=request)
                recipes.extend(from_item(load(i)) for i in response.get("Responses", {}).get(self._table, []))
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            if request:
                raise TransientError("the recipes of a name could not all be read; retry")
        return recipes

    def note(self, tenant_id: str, name: str) -> None:
        self._call(
            "update_item",
            TableName=self._table,
            Key=dump({"pk": names_pk(tenant_id), "sk": name}),
            UpdateExpression="SET #n = :n, noted_at = if_not_exists(noted_at, :now)",
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues=dump({":n": name, ":now": datetime.now(UTC).isoformat()}),
        )

    def set_live(self, tenant_id: str, name: str, live: LiveVersion | None) -> None:
        raw = live_to_json(live)
        update = "SET #n = :n, live = :live" if raw is not None else "SET #n = :n REMOVE live"
        values: dict[str, Any] = {":n": name}
        if raw is not None:
            values[":live"] = raw
        self._call(
            "update_item",
            TableName=self._table,
            Key=dump({"pk": names_pk(tenant_id), "sk": name}),
            UpdateExpression=update,
            ExpressionAttributeNames={"#n": "name"},
            ExpressionAttributeValues=dump(values),
        )

    def summary(self, tenant_id: str, name: str) -> NameEntry | None:
        r = self._call(
            "get_item", TableName=self._table, Key=dump({"pk": names_pk(tenant_id), "sk": name}), ConsistentRead=True
        )
        if "Item" not in r:
            return None
        item = load(r["Item"])
        return NameEntry(name=name, live=live_from_json(item.get("live")))

    def list(self, tenant_id: str, limit: int, cursor: str | None) -> NamePage:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": dump({":pk": names_pk(tenant_id)}),
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = dump({"pk": names_pk(tenant_id), "sk": after_name(cursor, tenant_id)})
        page = self._call("query", **kwargs)
        entries = [
            NameEntry(name=str(i["sk"]), live=live_from_json(i.get("live"))) for i in map(load, page.get("Items", []))
        ]
        more = "LastEvaluatedKey" in page and entries
        return NamePage(entries, name_cursor(tenant_id, entries[-1].name) if more else None)

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._db, operation)(**kwargs)
        except ClientError as exc:
            raise TransientError(f"names {operation}: {exc.response.get('Error', {}).get('Code', exc)}") from exc
