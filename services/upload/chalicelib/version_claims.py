"""The version claims in the recipes table, and the one rule for when a version is free again.

A claim item ``(NAME#tenant#name, VERSION#version)`` names the recipe holding that version;
a create puts it under ``attribute_not_exists``, so a version is held by one attempt at a
time. The rule (the README's "Names and versions"): an attempt that ends without publishing
anything because of the upload itself releases its version, so the corrected recipe can
be sent again under the same one:

* ``ABORTED`` (the client gave up) and ``REJECTED`` (validation refused the recipe) release it;
* ``DISTRIBUTED`` keeps it for good (published versions are immutable), and an attempt in
  flight or ``FAILED`` keeps it too (a failure is ours, and an operator may redrive it to
  ``DISTRIBUTED``).
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeSerializer

from chalicelib.recipe import Recipe, Status
from chalicelib.store import name_pk

RELEASING: frozenset[Status] = frozenset({Status.ABORTED, Status.REJECTED})
"""Final statuses that give the attempt's version back."""

_ser = TypeSerializer()


def claim_key(recipe: Recipe) -> dict[str, str]:
    """The claim item's key for the recipe's version."""
    return {"pk": name_pk(recipe.tenant_id, recipe.name), "sk": f"VERSION#{recipe.version}"}


def put_claim(table: str, recipe: Recipe) -> dict[str, Any]:
    """The transaction step claiming the recipe's version (fails if already claimed)."""
    item = {**claim_key(recipe), "recipe_id": recipe.recipe_id}
    return {
        "Put": {
            "TableName": table,
            "Item": {k: _ser.serialize(v) for k, v in item.items()},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def release_claim(table: str, recipe: Recipe) -> dict[str, Any]:
    """The transaction step releasing the version if this recipe holds it (a no-op if the
    claim is gone, and never another attempt's claim of the same version)."""
    return {
        "Delete": {
            "TableName": table,
            "Key": {k: _ser.serialize(v) for k, v in claim_key(recipe).items()},
            "ConditionExpression": "attribute_not_exists(pk) OR recipe_id = :id",
            "ExpressionAttributeValues": {":id": _ser.serialize(recipe.recipe_id)},
        }
    }
