"""Recipes for an operator: counts by status over the last hour, stuck ones, last failures.

Read from the recipes table directly (read-only ``dynamodb:Scan``), not through the upload
API: the API answers one tenant per token by design, and an SRE looks across all tenants.
A Scan reads the whole table, which is fine for the operational window of a pipeline whose
table expires old records (TTL), and bounded here by :data:`MAX_PAGES`; the answer says when
it was cut short. (A status index would make this a Query; see docs/RUNBOOK.md.)
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from circulion.settings import RESOURCES
from circulion_cli.models import TERMINAL

WAITING_FOR_CUSTOMER = "AWAITING_UPLOAD"
MAX_PAGES = 50
LAST_FAILURES = 5
_FIELDS = ("recipe_id", "tenant_id", "#n", "#s", "updated_at", "created_at", "errors", "milestones", "chunks_total")
_FIELDS_DONE = "chunks_seen"


@dataclass(frozen=True)
class RecipeRow:
    recipe_id: str
    tenant_id: str
    name: str
    status: str
    updated_at: datetime
    errors: tuple[dict[str, Any], ...] = ()
    last_milestone: str | None = None
    chunks: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> RecipeRow:
        milestones: dict[str, str] = json.loads(item.get("milestones", {}).get("S", "{}"))
        last = max(milestones.items(), key=lambda kv: kv[1])[0] if milestones else None
        total = item.get("chunks_total", {}).get("N")
        seen = len(item.get(_FIELDS_DONE, {}).get("NS", []))
        return cls(
            recipe_id=item["recipe_id"]["S"],
            tenant_id=item["tenant_id"]["S"],
            name=item.get("name", {}).get("S", ""),
            status=item["status"]["S"],
            updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
            errors=tuple(json.loads(item.get("errors", {}).get("S", "[]"))),
            last_milestone=last,
            chunks=f"{seen}/{total}" if total else None,
        )


@dataclass(frozen=True)
class Stuck:
    recipe: RecipeRow
    idle_s: float

    def as_json(self) -> dict[str, object]:
        r = self.recipe
        return {
            "recipe_id": r.recipe_id,
            "tenant_id": r.tenant_id,
            "status": r.status,
            "last_stage": r.last_milestone,
            "chunks": r.chunks,
            "idle_s": round(self.idle_s, 1),
            "hint": f"circulion trace {r.recipe_id}",
        }


@dataclass(frozen=True)
class RecipeSummary:
    by_status: dict[str, int] = field(default_factory=dict)
    stuck: list[Stuck] = field(default_factory=list)
    failures: list[RecipeRow] = field(default_factory=list)
    complete: bool = True

    def as_json(self) -> dict[str, object]:
        return {
            "by_status_last_hour": self.by_status,
            "stuck": [s.as_json() for s in self.stuck],
            "last_failures": [
                {
                    "recipe_id": r.recipe_id,
                    "tenant_id": r.tenant_id,
                    "status": r.status,
                    "at": r.updated_at.isoformat(),
                    "reasons": [
                        f"{e.get('stage', '?')}: {e.get('code', '?')} {e.get('message', '')}".strip()
                        for e in r.errors[:3]
                    ],
                }
                for r in self.failures
            ],
            "complete": self.complete,
        }


def summarise(rows: list[RecipeRow], now: datetime, stuck_after: timedelta, window: timedelta) -> RecipeSummary:
    """Pure: counts of the recipes that changed within ``window``, the stuck ones (not
    terminal, not waiting for the customer, unchanged for ``stuck_after``), newest failures."""
    recent = [r for r in rows if now - r.updated_at <= window]
    stuck = [
        Stuck(r, (now - r.updated_at).total_seconds())
        for r in rows
        if r.status not in TERMINAL and r.status != WAITING_FOR_CUSTOMER and now - r.updated_at > stuck_after
    ]
    failures = sorted(
        (r for r in recent if r.status in ("FAILED", "REJECTED")), key=lambda r: r.updated_at, reverse=True
    )
    return RecipeSummary(
        by_status=dict(sorted(Counter(r.status for r in recent).items())),
        stuck=sorted(stuck, key=lambda s: -s.idle_s),
        failures=failures[:LAST_FAILURES],
    )


def read_recipes(
    dynamodb: Any, now: datetime, window: timedelta, table: str = RESOURCES.recipes_table
) -> tuple[list[RecipeRow], bool]:
    """Recipe records changed within ``window`` or not yet terminal; ``False`` if cut short."""
    since = (now - window).isoformat()
    terminal = {f":t{i}": {"S": status} for i, status in enumerate(sorted(TERMINAL))}
    kwargs: dict[str, Any] = {
        "TableName": table,
        "ProjectionExpression": ", ".join((*_FIELDS, _FIELDS_DONE)),
        "FilterExpression": f"sk = :recipe AND (updated_at >= :since OR NOT #s IN ({', '.join(terminal)}))",
        "ExpressionAttributeNames": {"#s": "status", "#n": "name"},
        "ExpressionAttributeValues": {":recipe": {"S": "RECIPE"}, ":since": {"S": since}, **terminal},
    }
    rows: list[RecipeRow] = []
    for _ in range(MAX_PAGES):
        page = dynamodb.scan(**kwargs)
        rows += [RecipeRow.from_item(item) for item in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return rows, True
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return rows, False
