"""A recipe as a DynamoDB item (plain Python values, before type serialisation)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.recipe import Artifact, Multipart, Recipe, Restoration, Status, Withdrawal
from chalicelib.store import created_sk, recipe_pk, tenant_pk

RECIPE_SK = "RECIPE"


def to_item(recipe: Recipe) -> dict[str, Any]:
    """The DynamoDB item (plain Python values) of a recipe."""
    item: dict[str, Any] = {
        "pk": recipe_pk(recipe.recipe_id),
        "sk": RECIPE_SK,
        "gsi1pk": tenant_pk(recipe.tenant_id),
        "gsi1sk": created_sk(recipe),
        "recipe_id": recipe.recipe_id,
        "tenant_id": recipe.tenant_id,
        "name": recipe.name,
        "version": recipe.version,
        "content_type": recipe.content_type,
        "size": recipe.size,
        "sha256": recipe.sha256,
        "status": recipe.status.value,
        "created_at": recipe.created_at.isoformat(),
        "updated_at": recipe.updated_at.isoformat(),
        "bucket": recipe.bucket,
        "object_key": recipe.key,
        "upload_completed": recipe.upload_completed,
        "chunks_done": recipe.chunks_done,
        "errors": json.dumps(list(recipe.errors)),
        "revision": recipe.revision,
    }
    if recipe.multipart:
        item["upload_id"] = recipe.multipart.upload_id
        item["part_size"] = recipe.multipart.part_size
        item["part_count"] = recipe.multipart.part_count
    if recipe.trace_header:
        item["trace_header"] = recipe.trace_header
    if recipe.file_name:
        item["file_name"] = recipe.file_name
    if recipe.chunks_total is not None:
        item["chunks_total"] = recipe.chunks_total
    if recipe.artifact:
        item["artifact"] = json.dumps(recipe.artifact.__dict__)
    if recipe.failed_at:
        item["failed_at"] = recipe.failed_at.isoformat()
    if recipe.arrived_at:
        item["arrived_at"] = recipe.arrived_at.isoformat()
    # Always a map, empty at first: a stage's moment is added to it without reading it.
    item["milestones"] = milestones_map(dict(recipe.milestones))
    item.update(withdrawal_fields(recipe))
    return item


def withdrawal_fields(recipe: Recipe) -> dict[str, Any]:
    """The withdraw/restore attributes (JSON strings; absent ones are removed on update)."""
    fields: dict[str, Any] = {"withdrawal_sequence": recipe.withdrawal_sequence}
    if recipe.distributed_at:
        fields["distributed_at"] = recipe.distributed_at.isoformat()
    if recipe.withdrawn:
        w = recipe.withdrawn
        fields["withdrawn"] = json.dumps({"by": w.by, "at": w.at.isoformat(), "reason": w.reason})
    if recipe.restored:
        fields["restored"] = json.dumps({"by": recipe.restored.by, "at": recipe.restored.at.isoformat()})
    return fields


def _withdrawal(raw: object) -> Withdrawal | None:
    if not raw:
        return None
    w = json.loads(str(raw))
    return Withdrawal(by=str(w["by"]), at=datetime.fromisoformat(w["at"]), reason=str(w["reason"]))


def _restoration(raw: object) -> Restoration | None:
    if not raw:
        return None
    r = json.loads(str(raw))
    return Restoration(by=str(r["by"]), at=datetime.fromisoformat(r["at"]))


def milestones_map(milestones: Mapping[str, datetime]) -> dict[str, str]:
    """The ``milestones`` attribute's value: stage name -> ISO moment."""
    return {name: at.isoformat() for name, at in sorted(milestones.items())}


def _milestones(raw: Any) -> tuple[tuple[str, datetime], ...]:
    """A map attribute, or the JSON string items held before it was one."""
    found: dict[str, str] = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
    return tuple((str(name), datetime.fromisoformat(str(at))) for name, at in found.items())


def from_item(item: dict[str, Any]) -> Recipe:
    """A recipe from its DynamoDB item (plain Python values)."""
    multipart = None
    if item.get("upload_id"):
        multipart = Multipart(str(item["upload_id"]), int(item["part_size"]), int(item["part_count"]))
    lease = item.get("validation_lease_until")
    seen = item.get("chunks_seen")
    return Recipe(
        recipe_id=str(item["recipe_id"]),
        tenant_id=str(item["tenant_id"]),
        name=str(item["name"]),
        version=str(item["version"]),
        content_type=str(item["content_type"]),
        size=int(item["size"]),
        sha256=str(item["sha256"]),
        status=Status(item["status"]),
        created_at=datetime.fromisoformat(item["created_at"]),
        updated_at=datetime.fromisoformat(item["updated_at"]),
        bucket=str(item["bucket"]),
        key=str(item["object_key"]),
        multipart=multipart,
        upload_completed=bool(item.get("upload_completed", False)),
        trace_header=item.get("trace_header"),
        chunks_total=int(item["chunks_total"]) if item.get("chunks_total") is not None else None,
        chunks_done=len(seen) if seen else 0,
        errors=tuple(json.loads(item.get("errors", "[]"))),
        artifact=Artifact(**json.loads(item["artifact"])) if item.get("artifact") else None,
        failed_at=datetime.fromisoformat(item["failed_at"]) if item.get("failed_at") else None,
        validation_lease_until=datetime.fromisoformat(lease) if lease else None,
        revision=int(item.get("revision", 0)),
        file_name=str(item["file_name"]) if item.get("file_name") else None,
        arrived_at=datetime.fromisoformat(item["arrived_at"]) if item.get("arrived_at") else None,
        milestones=_milestones(item.get("milestones")),
        distributed_at=datetime.fromisoformat(item["distributed_at"]) if item.get("distributed_at") else None,
        withdrawn=_withdrawal(item.get("withdrawn")),
        restored=_restoration(item.get("restored")),
        withdrawal_sequence=int(item.get("withdrawal_sequence", 0)),
    )
