""":class:`~chalicelib.name_versions.NameVersions` on the distribution table.

Items ``name#{tenant}#{name}`` / ``version#{recipe_id}``; the pointer row is the one
:class:`~chalicelib.store.DynamoDistributionStore` advances, replaced here conditionally on
its ``revision`` (which every write of it bumps).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.name_versions import Mark, PointerRow, VersionEntry
from chalicelib.publication import Pointer
from chalicelib.store import pointer_from_item, pointer_pk
from circulion.errors import TransientError

_NAMES = {"#name": "name", "#version": "version", "#key": "key", "#seq": "sequence"}
_IDENTITY = ("tenant_id", "name", "recipe_id", "version", "order_key", "key", "sha256", "published_at")


def _versions_pk(tenant_id: str, name: str) -> str:
    return f"name#{tenant_id}#{name}"


def _entry(item: dict[str, Any]) -> VersionEntry:
    s = {f: item[f]["S"] for f in _IDENTITY}
    return VersionEntry(
        **s,
        size=int(item["size_bytes"]["N"]),
        withdrawn=bool(item.get("withdrawn", {}).get("BOOL", False)),
        sequence=int(item["sequence"]["N"]) if "sequence" in item else 0,
        applied_generation=int(item["applied_generation"]["N"]) if "applied_generation" in item else None,
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class DynamoNameVersions:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._db = dynamodb
        self._table = table_name

    def _key(self, entry: VersionEntry) -> dict[str, Any]:
        return {"pk": {"S": _versions_pk(entry.tenant_id, entry.name)}, "sk": {"S": f"version#{entry.recipe_id}"}}

    @staticmethod
    def _identity(entry: VersionEntry) -> tuple[str, dict[str, Any]]:
        """``SET`` clauses that create the entry's fields without overwriting them."""
        names = {"name": "#name", "version": "#version", "key": "#key"}
        clauses = [f"{names.get(f, f)} = if_not_exists({names.get(f, f)}, :{f})" for f in _IDENTITY]
        clauses.append("size_bytes = if_not_exists(size_bytes, :size)")
        values: dict[str, Any] = {f":{f}": {"S": getattr(entry, f)} for f in _IDENTITY}
        values[":size"] = {"N": str(entry.size)}
        return ", ".join(clauses), values

    def record(self, entry: VersionEntry) -> VersionEntry:
        clauses, values = self._identity(entry)
        values.update({":false": {"BOOL": False}, ":zero": {"N": "0"}})
        response = self._call(
            "update_item",
            TableName=self._table,
            Key=self._key(entry),
            UpdateExpression=(
                f"SET {clauses}, withdrawn = if_not_exists(withdrawn, :false), #seq = if_not_exists(#seq, :zero)"
            ),
            ExpressionAttributeNames=_NAMES,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return _entry(response["Attributes"])

    def mark(self, entry: VersionEntry, withdrawn: bool, sequence: int) -> tuple[Mark, VersionEntry]:
        clauses, values = self._identity(entry)
        values.update({":w": {"BOOL": withdrawn}, ":seq": {"N": str(sequence)}})
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=self._key(entry),
                UpdateExpression=f"SET {clauses}, withdrawn = :w, #seq = :seq REMOVE applied_generation",
                ConditionExpression="attribute_not_exists(#seq) OR #seq < :seq",
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise TransientError(f"marking the version failed: {_code(exc)}") from exc
            item = self._call("get_item", TableName=self._table, Key=self._key(entry), ConsistentRead=True)["Item"]
            stored = _entry(item)
            return (Mark.REPEATED if stored.sequence == sequence else Mark.SUPERSEDED), stored
        return Mark.APPLIED, _entry(response["Attributes"])

    def note_applied(self, entry: VersionEntry, sequence: int, generation: int) -> None:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=self._key(entry),
                UpdateExpression="SET applied_generation = :g",
                ConditionExpression="#seq = :seq",
                ExpressionAttributeNames={"#seq": "sequence"},
                ExpressionAttributeValues={":g": {"N": str(generation)}, ":seq": {"N": str(sequence)}},
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":  # a newer request took over: fine
                raise TransientError(f"noting the generation failed: {_code(exc)}") from exc

    def versions(self, tenant_id: str, name: str) -> Sequence[VersionEntry]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :v)",
            "ExpressionAttributeValues": {":pk": {"S": _versions_pk(tenant_id, name)}, ":v": {"S": "version#"}},
            "ConsistentRead": True,
        }
        found: list[VersionEntry] = []
        while True:
            page = self._call("query", **kwargs)
            found.extend(_entry(i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def pointer_row(self, tenant_id: str, name: str) -> PointerRow:
        key = {"pk": {"S": pointer_pk(tenant_id, name)}, "sk": {"S": "latest"}}
        item = self._call("get_item", TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        generation = int(item["generation"]["N"]) if item and "generation" in item else 0
        revision = int(item["revision"]["N"]) if item and "revision" in item else 0
        return PointerRow(generation, revision, pointer_from_item(tenant_id, name, item))

    def replace_pointer(self, tenant_id: str, name: str, expected: PointerRow, pointer: Pointer | None) -> bool:
        values: dict[str, Any] = {
            ":generation": {"N": str(expected.generation + 1)},
            ":one": {"N": "1"},
            ":tenant_id": {"S": tenant_id},
            ":name": {"S": name},
        }
        sets = ["generation = :generation", "tenant_id = :tenant_id", "#name = :name"]
        if pointer is None:
            tail = " REMOVE #version, order_key, recipe_id, #key, sha256, size_bytes, published_at"
        else:
            tail = ""
            fields = {
                "#version": pointer.version,
                "order_key": pointer.order_key,
                "recipe_id": pointer.recipe_id,
                "#key": pointer.key,
                "sha256": pointer.sha256,
                "published_at": pointer.published_at,
            }
            for i, (attr, value) in enumerate(fields.items()):
                sets.append(f"{attr} = :f{i}")
                values[f":f{i}"] = {"S": value}
            sets.append("size_bytes = :size")
            values[":size"] = {"N": str(pointer.size)}
        if expected.revision == 0:
            condition = "attribute_not_exists(revision)"  # never written, or written before revisions
        else:
            condition = "revision = :revision"
            values[":revision"] = {"N": str(expected.revision)}
        try:
            self._db.update_item(
                TableName=self._table,
                Key={"pk": {"S": pointer_pk(tenant_id, name)}, "sk": {"S": "latest"}},
                UpdateExpression=f"SET {', '.join(sets)} ADD revision :one{tail}",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#version": "version", "#key": "key", "#name": "name"},
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise TransientError(f"replacing the pointer failed: {_code(exc)}") from exc
        return True

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._db, operation)(**kwargs)
        except ClientError as exc:
            raise TransientError(f"{self._table} {operation}: {_code(exc)}") from exc
