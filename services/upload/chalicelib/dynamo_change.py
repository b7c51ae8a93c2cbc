"""A projection :class:`~chalicelib.projection.Change` as a DynamoDB update (pure).

Two forms: :func:`exact_update`, computed from a record read before (its condition is the
revision read), and :func:`guessed_update`, a :class:`~chalicelib.projection_guess.Guess`
written without reading (its condition is the set of records it is right for).

``milestones`` is a map attribute so that one stage's moment can be added without knowing
the others (``if_not_exists``: the first one seen is kept). Items written before it was a
map hold a JSON string: the guessed condition requires the map, so those take the exact
path once, which rewrites the whole map.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.projection import Change
from chalicelib.projection_guess import Guess
from chalicelib.recipe_item import milestones_map


@dataclass(frozen=True)
class Update:
    """An ``UpdateItem``'s expressions (values as plain Python values, not yet serialised)."""

    expression: str
    condition: str
    names: dict[str, str]
    values: dict[str, Any]


def exact_update(change: Change, now: datetime, revision: int, milestones: Mapping[str, datetime]) -> Update:
    """``change`` over the record read at ``revision`` whose milestones were ``milestones``."""
    update = _update(change, now, "revision = :rev", {":rev": revision})
    if change.milestone is None:
        return update
    name, at = change.milestone
    return _with(update, "milestones = :milestones", {":milestones": milestones_map({**milestones, name: at})})


def guessed_update(guess: Guess, tenant_id: str, now: datetime) -> Update:
    """``guess`` for the tenant's record, written only where it is what the rules would write."""
    statuses = {f":s{i}": status.value for i, status in enumerate(sorted(guess.statuses))}
    condition = f"tenant_id = :tenant AND #s IN ({', '.join(statuses)})"
    values: dict[str, Any] = {":tenant": tenant_id, **statuses}
    change = guess.change
    new: list[str] = []
    if change.chunks_total is not None:
        new.append("attribute_not_exists(chunks_total) OR chunks_total <> :total")
    if change.milestone is not None:
        condition += " AND attribute_type(milestones, :map)"
        values[":map"] = "M"
        new.append("attribute_not_exists(milestones.#m)")
    if guess.only_if_new:
        condition += f" AND ({' OR '.join(new)})"
    update = _update(change, now, condition, values)
    if change.milestone is None:
        return update
    name, at = change.milestone
    expression = "milestones.#m = if_not_exists(milestones.#m, :at)"
    return _with(update, expression, {":at": at.isoformat()}, {"#m": name})


def _update(change: Change, now: datetime, condition: str, condition_values: dict[str, Any]) -> Update:
    """Everything but the milestone: the same for both forms."""
    sets = ["updated_at = :now"]
    values: dict[str, Any] = {":now": now.isoformat(), ":one": 1, **condition_values}
    adds = ["revision :one"]
    if change.status is not None:
        sets.append("#s = :status")
        values[":status"] = change.status.value
    if change.failed_at is not None:
        sets.append("failed_at = :failed_at")
        values[":failed_at"] = change.failed_at.isoformat()
    if change.chunks_total is not None:
        sets.append("chunks_total = :total")
        values[":total"] = change.chunks_total
    if change.errors:
        sets.append("errors = :errors")
        values[":errors"] = json.dumps(list(change.errors))
    if change.artifact is not None:
        sets.append("artifact = :artifact")
        values[":artifact"] = json.dumps(change.artifact.__dict__)
    if change.distributed_at is not None:
        sets.append("distributed_at = :distributed_at")
        values[":distributed_at"] = change.distributed_at.isoformat()
    if change.chunk_index is not None:
        # A number set: a redelivered chunk.processed adds nothing, so the count stays exact.
        adds.append("chunks_seen :chunk")
        values[":chunk"] = {change.chunk_index}
    names = {"#s": "status"} if "#s" in condition or change.status is not None else {}
    return Update(f"SET {', '.join(sets)} ADD {', '.join(adds)}", condition, names, values)


def _with(update: Update, assignment: str, values: dict[str, Any], names: dict[str, str] | None = None) -> Update:
    """``update`` with one more ``SET`` assignment."""
    sets, adds = update.expression.split(" ADD ", 1)
    return Update(
        f"{sets}, {assignment} ADD {adds}",
        update.condition,
        {**update.names, **(names or {})},
        {**update.values, **values},
    )
