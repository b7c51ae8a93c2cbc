""":class:`~chalicelib.store.RecipeStore` on DynamoDB (or the emulator's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import version_claims
from chalicelib.dynamo_change import exact_update, guessed_update
from chalicelib.dynamo_values import conditional_failed, dump, load, transient
from chalicelib.errors import StoreConflict, VersionTaken
from chalicelib.projection import Change, Projected, project
from chalicelib.projection_guess import guess
from chalicelib.projection_store import project_by_reading, record_by_reading, state_of
from chalicelib.recipe import Recipe, Status
from chalicelib.recipe_item import RECIPE_SK, from_item, to_item, withdrawal_fields
from chalicelib.store import ListQuery, Page, RecipeStore, decode_cursor, encode_cursor, name_pk, recipe_pk, tenant_pk
from circulion.contracts import Envelope

MAX_PAGES_PER_LIST = 10
"""Filtered listings read at most this many index pages per call, then return a cursor."""


class DynamoRecipeStore(RecipeStore):
    """The recipes table through a boto3 DynamoDB client."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def create(self, recipe: Recipe) -> None:
        try:
            self._db.transact_write_items(
                TransactItems=[
                    version_claims.put_claim(self._table, recipe),
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": dump(to_item(recipe)),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons") or []
                if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                    raise VersionTaken(f"{recipe.name} {recipe.version} already exists") from exc
            raise transient(exc, "create recipe") from exc

    def versions(self, tenant_id: str, name: str) -> list[str]:
        found: list[str] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :v)",
            "ExpressionAttributeValues": dump({":pk": name_pk(tenant_id, name), ":v": "VERSION#"}),
            "ProjectionExpression": "sk",
            "ConsistentRead": True,  # racing creators must see the version that beat them
        }
        while True:
            try:
                page = self._db.query(**kwargs)
            except ClientError as exc:
                raise transient(exc, "list versions") from exc
            found.extend(str(load(i)["sk"]).removeprefix("VERSION#") for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def get(self, recipe_id: str) -> Recipe | None:
        try:
            r = self._db.get_item(
                TableName=self._table, Key=dump({"pk": recipe_pk(recipe_id), "sk": RECIPE_SK}), ConsistentRead=True
            )
        except ClientError as exc:
            raise transient(exc, "get recipe") from exc
        return from_item(load(r["Item"])) if "Item" in r else None

    def list(self, query: ListQuery) -> Page:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :t",
            "ScanIndexForward": False,
            "Limit": query.limit,
        }
        values: dict[str, Any] = {":t": tenant_pk(query.tenant_id)}
        filters: list[str] = []
        names: dict[str, str] = {}
        if query.status is not None:
            filters.append("#s = :s")
            names["#s"] = "status"
            values[":s"] = query.status.value
        if query.name is not None:
            filters.append("#n = :n")
            names["#n"] = "name"
            values[":n"] = query.name
        if filters:
            kwargs["FilterExpression"] = " AND ".join(filters)
            kwargs["ExpressionAttributeNames"] = names
        kwargs["ExpressionAttributeValues"] = dump(values)
        if query.cursor:
            kwargs["ExclusiveStartKey"] = dump(decode_cursor(query.cursor, query.tenant_id))
        items: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES_PER_LIST):
            try:
                page = self._db.query(**kwargs)
            except ClientError as exc:
                raise transient(exc, "list recipes") from exc
            for raw in page.get("Items", []):
                items.append(load(raw))
                if len(items) == query.limit:
                    return Page([from_item(i) for i in items], _cursor_of(items[-1]))
            last = page.get("LastEvaluatedKey")
            if last is None:
                return Page([from_item(i) for i in items], None)
            kwargs["ExclusiveStartKey"] = last
        return Page([from_item(i) for i in items], encode_cursor({k: str(v) for k, v in load(last).items()}))

    def mark_upload_completed(self, recipe_id: str, now: datetime) -> None:
        self._update(
            recipe_id,
            "SET upload_completed = :t, updated_at = :now",
            {":t": True, ":now": now.isoformat(), ":aborted": Status.ABORTED.value},
            condition="attribute_exists(pk) AND #s <> :aborted",
            names={"#s": "status"},
        )

    def abort(self, recipe: Recipe, now: datetime) -> bool:
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": dump({"pk": recipe_pk(recipe.recipe_id), "sk": RECIPE_SK}),
                            "UpdateExpression": "SET #s = :aborted, updated_at = :now ADD revision :one",
                            "ConditionExpression": "#s = :waiting AND upload_completed = :f",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": dump(
                                {
                                    ":aborted": Status.ABORTED.value,
                                    ":waiting": Status.AWAITING_UPLOAD.value,
                                    ":now": now.isoformat(),
                                    ":one": 1,
                                    ":f": False,
                                }
                            ),
                        }
                    },
                    version_claims.release_claim(self._table, recipe),
                ]
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                return False
            raise transient(exc, "abort recipe") from exc
        return True

    def claim_validation(
        self, recipe_id: str, now: datetime, lease_until: datetime, *, failed_revision: int | None = None
    ) -> bool:
        condition = "#s = :waiting OR (#s = :validating AND validation_lease_until < :now)"
        values: dict[str, Any] = {}
        if failed_revision is not None:
            condition += " OR (#s = :failed AND revision = :failed_revision)"
            values = {":failed": Status.FAILED.value, ":failed_revision": failed_revision}
        try:
            self._update(
                recipe_id,
                "SET #s = :validating, validation_lease_until = :lease, updated_at = :now, "
                "arrived_at = if_not_exists(arrived_at, :now) ADD revision :one",
                {
                    ":validating": Status.VALIDATING.value,
                    ":waiting": Status.AWAITING_UPLOAD.value,
                    ":lease": lease_until.isoformat(),
                    ":now": now.isoformat(),
                    ":one": 1,
                    **values,
                },
                condition=condition,
                names={"#s": "status"},
            )
        except StoreConflict:
            return False
        return True

    def apply(self, recipe: Recipe, change: Change, now: datetime) -> None:
        exact = exact_update(change, now, recipe.revision, dict(recipe.milestones))
        update = self._update_kwargs(recipe.recipe_id, exact.expression, exact.values, exact.condition, exact.names)
        if change.status not in version_claims.RELEASING:
            self._send_update(recipe.recipe_id, update)
            return
        # The final status and the version's release in one transaction: never one without the other.
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {"Update": update},
                    version_claims.release_claim(self._table, recipe),
                ]
            )
        except ClientError as exc:
            codes = [r.get("Code") for r in exc.response.get("CancellationReasons") or []]
            if codes[:1] == ["ConditionalCheckFailed"]:
                raise StoreConflict(f"recipe {recipe.recipe_id} changed since it was read") from exc
            if codes[1:2] != ["ConditionalCheckFailed"]:
                raise transient(exc, "finish recipe") from exc
            self._send_update(recipe.recipe_id, update)  # another attempt holds the version now

    def record_event(self, event: Envelope, now: datetime) -> Projected | None:
        """One conditional write when the record is as the event usually finds it; else the
        exact path, from the record the failed write returned."""
        plan = guess(event)
        if plan is None:
            return record_by_reading(self, event, now)
        write = guessed_update(plan, event.tenant_id, now)
        try:
            old = self._db.update_item(
                **self._update_kwargs(event.recipe_id, write.expression, write.values, write.condition, write.names),
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not conditional_failed(exc):
                raise transient(exc, "project event") from exc
            item = exc.response.get("Item")  # the record, as ReturnValuesOnConditionCheckFailure asked
            current = from_item(load(item)) if item else None
            return project_by_reading(self, event, now, current=current) if current else None
        before = from_item(load(old["Attributes"]))
        return Projected(before, project(state_of(before), event))

    def record_withdrawal(self, recipe: Recipe, now: datetime) -> None:
        fields = withdrawal_fields(recipe)
        removed = [k for k in ("withdrawn", "restored") if k not in fields]
        expression = (
            f"SET #s = :status, updated_at = :now, {', '.join(f'{k} = :{k}' for k in fields)} ADD revision :one"
        )
        if removed:
            expression += f" REMOVE {', '.join(removed)}"
        values = {":status": recipe.status.value, ":now": now.isoformat(), ":one": 1, ":rev": recipe.revision}
        values.update({f":{k}": v for k, v in fields.items()})
        self._update(recipe.recipe_id, expression, values, condition="revision = :rev", names={"#s": "status"})

    def _update(
        self,
        recipe_id: str,
        expression: str,
        values: dict[str, Any],
        *,
        condition: str = "attribute_exists(pk)",
        names: dict[str, str] | None = None,
    ) -> None:
        self._send_update(recipe_id, self._update_kwargs(recipe_id, expression, values, condition, names))

    def _update_kwargs(
        self,
        recipe_id: str,
        expression: str,
        values: dict[str, Any],
        condition: str = "attribute_exists(pk)",
        names: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "Key": dump({"pk": recipe_pk(recipe_id), "sk": RECIPE_SK}),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": dump(values),
        }
        if names:
            kwargs["ExpressionAttributeNames"] = names
        return kwargs

    def _send_update(self, recipe_id: str, kwargs: dict[str, Any]) -> None:
        try:
            self._db.update_item(**kwargs)
        except ClientError as exc:
            if conditional_failed(exc):
                raise StoreConflict(f"recipe {recipe_id} changed or is not in the expected state") from exc
            raise transient(exc, "update recipe") from exc


def _cursor_of(item: dict[str, Any]) -> str:
    return encode_cursor({k: str(item[k]) for k in ("pk", "sk", "gsi1pk", "gsi1sk")})
