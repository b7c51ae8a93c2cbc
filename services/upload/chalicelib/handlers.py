"""One function per message: ``validate`` (an object arrived) and ``track_status`` (any
lifecycle event). Each returns the events to publish; the batch processor publishes them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from chalicelib import names_projection, pipeline_metrics
from chalicelib.content_check import check_object
from chalicelib.deps import Deps
from chalicelib.notifications import NotificationIgnored, ObjectArrived
from chalicelib.outbox import settle_outcome
from chalicelib.projection import affects_record
from chalicelib.recipe import CONTENT_KINDS, Recipe, Status
from circulion import log
from circulion.contracts import (
    MAX_ISSUES_PER_MESSAGE,
    Envelope,
    ObjectRef,
    RecipeDescription,
    RecipeRejected,
    RecipeRejectedPayload,
    RecipeValidated,
    RecipeValidatedPayload,
    ValidationIssue,
)

_log = logging.getLogger(__name__)

STATUS_TAG = "circulion-status"
REASONS_TAG = "circulion-reasons"


def validate(  # noqa: PLR0911 - one exit per documented case
    message: ObjectArrived | NotificationIgnored,
    deps: Deps,
    read_recipe: Callable[[str], Recipe | None] | None = None,
) -> Sequence[Envelope]:
    """Check an arrived object against its recipe; emit validated or rejected.

    Idempotent on the recipe: a recipe past validation, or whose validation another
    invocation holds under a lease, is left alone (S3 sends two events per multipart
    completion on the emulator, and SQS may redeliver). ``read_recipe`` gives the recipe
    already read for this record (:mod:`chalicelib.arrivals`); without it the store is read.
    """
    if isinstance(message, NotificationIgnored):
        _log.info(
            "notification ignored", extra=log.fields(reason=message.payload.reason, detail=message.payload.detail)
        )
        return []
    obj = message.payload
    recipe = (read_recipe or deps.store.get)(message.recipe_id)
    if recipe is None or recipe.tenant_id != message.tenant_id:
        _log.error("object with no recipe record rejected", extra=log.fields(bucket=obj.bucket, key=obj.key))
        _tag(deps, obj.bucket, obj.key, obj.version_id, "rejected", ["no_recipe"])
        return []
    if recipe.status is Status.ABORTED:
        _log.warning("object arrived for an aborted upload", extra=log.fields(key=obj.key))
        _tag(deps, obj.bucket, obj.key, obj.version_id, "aborted", [])
        return []
    redriven = recipe.failed_in_validation  # its record was dead-lettered, and is back
    if recipe.status not in (Status.AWAITING_UPLOAD, Status.VALIDATING) and not redriven:
        _log.info("duplicate notification: recipe already past validation", extra=log.fields(status=recipe.status))
        return []
    now = deps.clock()
    lease_until = now + timedelta(seconds=deps.settings.validation_lease_s)
    failed_revision = recipe.revision if redriven else None
    if not deps.store.claim_validation(recipe.recipe_id, now, lease_until, failed_revision=failed_revision):
        _log.info("validation already in progress elsewhere; dropping the duplicate")
        return []
    info = deps.objects.head(obj.bucket, obj.key, obj.version_id)
    version_id = obj.version_id or info.version_id

    def read(start: int, end: int) -> bytes:
        data: bytes = deps.objects.get_range(obj.bucket, obj.key, start, end, version_id)
        return data

    issues = check_object(
        read,
        info.size,
        recipe.size,
        recipe.sha256,
        recipe.content_type,
        range_bytes=deps.settings.validate_range_bytes,
        concurrency=deps.settings.validate_concurrency,
    )
    source = ObjectRef(bucket=obj.bucket, key=obj.key, version_id=version_id)
    if issues:
        _tag(deps, obj.bucket, obj.key, version_id, "rejected", [i.code for i in issues])
        _log.info("upload rejected", extra=log.fields(reasons=[i.code for i in issues]))
        return [_rejected(message, issues)]
    _tag(deps, obj.bucket, obj.key, version_id, "validated", [])
    return [
        message.follow(
            RecipeValidated,
            RecipeValidatedPayload(recipe=_description(recipe), kind=CONTENT_KINDS[recipe.content_type], source=source),  # type: ignore[arg-type]
        )
    ]


def _description(recipe: Recipe) -> RecipeDescription:
    return RecipeDescription(
        name=recipe.name,
        version=recipe.version,
        content_type=recipe.content_type,
        size_bytes=recipe.size,
        sha256=recipe.sha256,
        file_name=recipe.file_name,
    )


def _rejected(message: ObjectArrived, issues: list[ValidationIssue]) -> RecipeRejected:
    return message.follow(
        RecipeRejected,
        RecipeRejectedPayload(stage="validation", issues=issues[:MAX_ISSUES_PER_MESSAGE], issue_count=len(issues)),
    )


def _tag(deps: Deps, bucket: str, key: str, version_id: str | None, status: str, reasons: list[str]) -> None:
    """Mark the object with its outcome; a rejected object is kept, never deleted."""
    tags = {STATUS_TAG: status}
    if reasons:
        tags[REASONS_TAG] = "+".join(reasons)[:256]
    deps.objects.set_tags(bucket, key, tags, version_id)


def track_status(message: Envelope, deps: Deps) -> Sequence[Envelope]:
    """Project one lifecycle event onto the recipe's record (see :mod:`chalicelib.projection`),
    then onto the names index (:mod:`chalicelib.names_projection`)."""
    projected = deps.store.record_event(message, deps.clock())
    if projected is None and affects_record(message.type):
        _log.warning("event for an unknown recipe ignored", extra=log.fields(type=message.type))
    if projected is not None and projected.change is not None:
        pipeline_metrics.emit_for_change(projected.before, projected.change)
    names_projection.observe(message, deps.store, deps.names, projected.before if projected else None)
    settle_outcome(message, deps.outbox)
    return []
