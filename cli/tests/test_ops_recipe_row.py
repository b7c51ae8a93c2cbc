"""``circulion ops`` reads a recipe's milestones in both formats the table has held."""

from __future__ import annotations

from typing import Any

from circulion_cli.ops_recipes import RecipeRow


def _item(milestones: dict[str, Any]) -> dict[str, Any]:
    return {
        "recipe_id": {"S": "r" * 32},
        "tenant_id": {"S": "acme"},
        "name": {"S": "n"},
        "status": {"S": "PROCESSING"},
        "updated_at": {"S": "2026-01-01T00:00:09+00:00"},
        "milestones": milestones,
    }


def test_the_last_milestone_from_a_map_and_from_the_older_json_string() -> None:
    as_map = {"M": {"validated": {"S": "2026-01-01T00:00:01+00:00"}, "split": {"S": "2026-01-01T00:00:02+00:00"}}}
    as_json = {"S": '{"split": "2026-01-01T00:00:02+00:00", "validated": "2026-01-01T00:00:01+00:00"}'}
    assert RecipeRow.from_item(_item(as_map)).last_milestone == "split"
    assert RecipeRow.from_item(_item(as_json)).last_milestone == "split"
    assert RecipeRow.from_item(_item({"M": {}})).last_milestone is None
