"""The distributor's own table, ``circulion-distribution``, behind a port.

Items (``pk`` / ``sk``):

* ``pointer#{tenant}#{name}`` / ``latest``: the authority over ``latest.json`` (with its
  ``generation`` and a ``revision`` bumped by every write; no ``order_key`` once every
  version was withdrawn);
* ``name#{tenant}#{name}`` / ``version#{recipe_id}``: each version the name ever had
  (``chalicelib.name_versions``);
* ``recipe#{recipe_id}`` / ``distribution``: (``pending_reference``) the request planned
  for it before CloudFront was called, whose item names the invalidation once made, so a
  redelivered message reuses it (older rows also name it here, ``invalidation_id``);
* ``invalidation#{caller_reference}`` / ``invalidation``: a planned request (paths, recipe
  ids), and once CloudFront made it, its ``invalidation_id``;
* ``usage#{YYYY-MM}`` / ``invalidated-paths``: paths invalidated that month (``ADD``);
* ``fault#{name}`` / ``budget``: test-only fault budgets (see ``chalicelib.cdn``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from botocore.exceptions import ClientError

from chalicelib.invalidation import InvalidationRequest
from chalicelib.publication import Pointer, PointerMove, classify
from circulion.errors import TransientError

_POINTER_FIELDS = ("version", "order_key", "recipe_id", "key", "sha256", "published_at")


class DistributionStore(Protocol):
    """Port: the distributor's state."""

    def advance_pointer(self, candidate: Pointer) -> tuple[PointerMove, Pointer]:
        """Move the name's pointer to ``candidate`` if it is newer; return what happened and the winner."""
        ...

    def current_pointer(self, tenant_id: str, name: str) -> Pointer | None: ...

    def pointer_generation(self, tenant_id: str, name: str) -> int: ...

    def recipe_invalidation(self, recipe_id: str) -> str | None: ...

    def record_recipe_invalidation(self, recipe_ids: Sequence[str], invalidation_id: str) -> None: ...

    def plan_invalidation(self, request: InvalidationRequest) -> tuple[str, ...]:
        """Record ``request`` as each of its recipes' pending request, before CloudFront is called.

        A recipe keeps the first request planned for it; the ids of recipes already pending
        on another request are returned (empty: the request may be sent).
        """
        ...

    def pending_invalidation(self, recipe_id: str) -> InvalidationRequest | None:
        """The request planned for the recipe, exactly as it was (to be resent verbatim)."""
        ...

    def find_invalidation(self, caller_reference: str) -> str | None:
        """The id of the invalidation made for ``caller_reference``; ``None`` if only planned."""
        ...

    def record_invalidation(
        self, caller_reference: str, invalidation_id: str, paths: Sequence[str], month: str
    ) -> bool:
        """Remember an invalidation and count its paths for ``month``, once; ``False`` if already known."""
        ...

    def invalidated_paths(self, month: str) -> int: ...

    def take_fault(self, name: str) -> bool:
        """Consume one unit of a test-only fault budget; ``True`` when the fault should fire."""
        ...


def pointer_pk(tenant_id: str, name: str) -> str:
    return f"pointer#{tenant_id}#{name}"


def pointer_from_item(tenant_id: str, name: str, item: dict[str, Any] | None) -> Pointer | None:
    """The pointer a pointer row holds; ``None`` if absent or emptied by a withdrawal."""
    if item is None or "order_key" not in item:
        return None
    fields = {f: item[f]["S"] for f in _POINTER_FIELDS}
    generation = int(item["generation"]["N"]) if "generation" in item else 0
    return Pointer(tenant_id=tenant_id, name=name, size=int(item["size_bytes"]["N"]), generation=generation, **fields)


class DynamoDistributionStore:
    """:class:`DistributionStore` on DynamoDB; every decision is a conditional write."""

    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._db = dynamodb
        self._table = table_name

    def advance_pointer(self, candidate: Pointer) -> tuple[PointerMove, Pointer]:
        values = {
            ":version": {"S": candidate.version},
            ":order_key": {"S": candidate.order_key},
            ":recipe_id": {"S": candidate.recipe_id},
            ":key": {"S": candidate.key},
            ":sha256": {"S": candidate.sha256},
            ":size": {"N": str(candidate.size)},
            ":published_at": {"S": candidate.published_at},
            ":tenant_id": {"S": candidate.tenant_id},
            ":name": {"S": candidate.name},
            ":generation": {"N": str(candidate.generation)},
            ":one": {"N": "1"},
        }
        # Rows from before generations existed have none: generation 0.
        same_generation = (
            "(attribute_not_exists(generation) OR generation = :generation)"
            if candidate.generation == 0
            else "generation = :generation"
        )
        try:
            self._db.update_item(
                TableName=self._table,
                Key=self._key(pointer_pk(candidate.tenant_id, candidate.name), "latest"),
                UpdateExpression=(
                    "SET #version = :version, order_key = :order_key, recipe_id = :recipe_id, #key = :key, "
                    "sha256 = :sha256, size_bytes = :size, published_at = :published_at, "
                    "tenant_id = :tenant_id, #name = :name, generation = :generation ADD revision :one"
                ),
                # An emptied pointer (every version withdrawn) has no order_key: any version of
                # its generation may take it.
                ConditionExpression=(
                    f"attribute_not_exists(pk) OR ({same_generation} AND "
                    "(attribute_not_exists(order_key) OR order_key < :order_key))"
                ),
                ExpressionAttributeNames={"#version": "version", "#key": "key", "#name": "name"},
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise TransientError(f"pointer update failed: {_code(exc)}") from exc
            # The row that failed the condition comes back with the error: no read needed.
            pk = pointer_pk(candidate.tenant_id, candidate.name)
            row: dict[str, Any] | None = exc.response.get("Item") or self._get(pk, "latest")
            if (int(row["generation"]["N"]) if row and "generation" in row else 0) != candidate.generation:
                return PointerMove.REGENERATED, candidate
            current = pointer_from_item(candidate.tenant_id, candidate.name, row)
            if current is None:  # emptied in between: the next attempt will take it
                raise TransientError("pointer vanished during its update") from exc
            return classify(candidate, current), current
        return PointerMove.MOVED, candidate

    def pointer_generation(self, tenant_id: str, name: str) -> int:
        """The generation of the name's pointer row (0 when it has none)."""
        item = self._get(pointer_pk(tenant_id, name), "latest")
        return int(item["generation"]["N"]) if item and "generation" in item else 0

    def current_pointer(self, tenant_id: str, name: str) -> Pointer | None:
        return pointer_from_item(tenant_id, name, self._get(pointer_pk(tenant_id, name), "latest"))

    def recipe_invalidation(self, recipe_id: str) -> str | None:
        item = self._get(f"recipe#{recipe_id}", "distribution")
        return item["invalidation_id"]["S"] if item and "invalidation_id" in item else None

    def record_recipe_invalidation(self, recipe_ids: Sequence[str], invalidation_id: str) -> None:
        for recipe_id in sorted(set(recipe_ids)):
            self._call(
                "update_item",
                TableName=self._table,
                Key=self._key(f"recipe#{recipe_id}", "distribution"),
                UpdateExpression="SET invalidation_id = if_not_exists(invalidation_id, :id)",
                ExpressionAttributeValues={":id": {"S": invalidation_id}},
            )

    def plan_invalidation(self, request: InvalidationRequest) -> tuple[str, ...]:
        # The reference names the content, so an existing planned item is this same request.
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    **self._key(f"invalidation#{request.caller_reference}", "invalidation"),
                    "paths": {"L": [{"S": p} for p in request.paths]},
                    "recipe_ids": {"L": [{"S": r} for r in request.recipe_ids]},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise TransientError(f"planning invalidation failed: {_code(exc)}") from exc
        conflicts = []
        for recipe_id in request.recipe_ids:
            response = self._call(
                "update_item",
                TableName=self._table,
                Key=self._key(f"recipe#{recipe_id}", "distribution"),
                UpdateExpression="SET pending_reference = if_not_exists(pending_reference, :ref)",
                ExpressionAttributeValues={":ref": {"S": request.caller_reference}},
                ReturnValues="ALL_NEW",
            )
            if response["Attributes"]["pending_reference"]["S"] != request.caller_reference:
                conflicts.append(recipe_id)
        return tuple(conflicts)

    def pending_invalidation(self, recipe_id: str) -> InvalidationRequest | None:
        item = self._get(f"recipe#{recipe_id}", "distribution")
        if item is None or "pending_reference" not in item:
            return None
        reference = item["pending_reference"]["S"]
        planned = self._get(f"invalidation#{reference}", "invalidation")
        if planned is None:
            raise TransientError(f"planned invalidation {reference} of recipe {recipe_id} is missing")
        return InvalidationRequest(
            paths=tuple(p["S"] for p in planned["paths"]["L"]),
            caller_reference=reference,
            recipe_ids=tuple(r["S"] for r in planned["recipe_ids"]["L"]),
        )

    def find_invalidation(self, caller_reference: str) -> str | None:
        item = self._get(f"invalidation#{caller_reference}", "invalidation")
        return item["invalidation_id"]["S"] if item and "invalidation_id" in item else None

    def record_invalidation(
        self, caller_reference: str, invalidation_id: str, paths: Sequence[str], month: str
    ) -> bool:
        # One transaction: the record and the monthly count move together or not at all,
        # so a retried batch never counts its paths twice.
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        # An update: the planned item may already hold the request.
                        "Update": {
                            "TableName": self._table,
                            "Key": self._key(f"invalidation#{caller_reference}", "invalidation"),
                            "UpdateExpression": "SET invalidation_id = :id, paths = :paths, #month = :month",
                            "ConditionExpression": "attribute_not_exists(invalidation_id)",
                            "ExpressionAttributeNames": {"#month": "month"},
                            "ExpressionAttributeValues": {
                                ":id": {"S": invalidation_id},
                                ":paths": {"L": [{"S": p} for p in paths]},
                                ":month": {"S": month},
                            },
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": self._key(f"usage#{month}", "invalidated-paths"),
                            "UpdateExpression": "ADD paths :paths, invalidations :one",
                            "ExpressionAttributeValues": {":paths": {"N": str(len(paths))}, ":one": {"N": "1"}},
                        }
                    },
                ]
            )
        except ClientError as exc:
            if _code(exc) == "TransactionCanceledException" and _condition_failed(exc):
                return False
            raise TransientError(f"recording invalidation failed: {_code(exc)}") from exc
        return True

    def invalidated_paths(self, month: str) -> int:
        item = self._get(f"usage#{month}", "invalidated-paths")
        return int(item["paths"]["N"]) if item and "paths" in item else 0

    def take_fault(self, name: str) -> bool:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=self._key(f"fault#{name}", "budget"),
                UpdateExpression="ADD remaining :minus_one",
                ConditionExpression="remaining > :zero",
                ExpressionAttributeValues={":minus_one": {"N": "-1"}, ":zero": {"N": "0"}},
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise TransientError(f"fault budget: {_code(exc)}") from exc
        return True

    @staticmethod
    def _key(pk: str, sk: str) -> dict[str, dict[str, str]]:
        return {"pk": {"S": pk}, "sk": {"S": sk}}

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self._call("get_item", TableName=self._table, Key=self._key(pk, sk), ConsistentRead=True)
        item: dict[str, Any] | None = response.get("Item")
        return item

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._db, operation)(**kwargs)
        except ClientError as exc:
            raise TransientError(f"{self._table} {operation}: {_code(exc)}") from exc


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _condition_failed(exc: ClientError) -> bool:
    reasons = exc.response.get("CancellationReasons") or []
    return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons) or "ConditionalCheckFailed" in str(exc)
