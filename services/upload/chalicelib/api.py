"""What each API route does, given a verified principal and parsed input. No HTTP here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from chalicelib import upload_races, versioning, views
from chalicelib.auth import Principal
from chalicelib.errors import (
    Conflict,
    Gone,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    StoreConflict,
    Unavailable,
)
from chalicelib.inputs import ListParams, PartParams
from chalicelib.models import (
    CompleteUpload,
    CreateRecipe,
    Download,
    MultipartInfo,
    MultipartUpload,
    PartUrl,
    PartUrls,
    RecipeCreated,
    RecipeList,
    RecipeView,
    SinglePutUpload,
)
from chalicelib.recipe import TERMINAL, Multipart, Recipe, Status, object_key
from chalicelib.settings import MIB, UploadSettings
from chalicelib.store import ListQuery, RecipeStore
from chalicelib.upload_plan import PartPlan, SinglePut, part_numbers, plan_upload
from chalicelib.upload_urls import UploadUrls
from circulion import identifiers
from circulion.errors import TransientError

RECIPE_ID = identifiers.compiled(identifiers.RECIPE_ID)


class UrlSigner(Protocol):
    """Port: signs a CDN URL (``circulion.cdn_signing.CdnUrlSigner`` in production)."""

    def sign(self, url: str, expires_at: datetime) -> str: ...


@dataclass(frozen=True)
class ApiDeps:
    settings: UploadSettings
    store: RecipeStore
    urls: UploadUrls
    signer: Callable[[], UrlSigner]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex


def owned(principal: Principal, recipe_id: str, deps: ApiDeps) -> Recipe:
    """The tenant's recipe; another tenant's looks exactly like a missing one."""
    recipe = deps.store.get(recipe_id) if RECIPE_ID.fullmatch(recipe_id) else None
    if recipe is None or recipe.tenant_id != principal.tenant_id:
        raise NotFound(f"no recipe {recipe_id}")
    return recipe


def create_recipe(principal: Principal, body: CreateRecipe, trace_header: str | None, deps: ApiDeps) -> RecipeCreated:
    s = deps.settings
    if body.size > s.max_size_bytes:
        raise PayloadTooLarge(f"size {body.size} is above the maximum of {s.max_size_bytes} bytes")
    if body.content_type == "application/json" and body.size > s.max_document_bytes:
        raise PayloadTooLarge(
            f"JSON recipe documents are limited to {s.max_document_bytes // MIB} MiB; "
            "send large recipes as an application/x-ndjson stream",
            code="document_too_large",
        )
    recipe_id = deps.new_id()
    now = deps.clock()
    key = object_key(principal.tenant_id, recipe_id)
    bucket = s.resources.uploads_bucket
    plan = plan_upload(body.size, s.single_put_max_bytes, s.part_size_bytes)
    multipart = None
    if isinstance(plan, PartPlan):
        upload_id = deps.urls.start_multipart(bucket, key, body.content_type)
        multipart = Multipart(upload_id, plan.part_size, plan.part_count)
    recipe = Recipe(
        recipe_id=recipe_id,
        tenant_id=principal.tenant_id,
        name=body.name,
        version=body.version or "",
        content_type=body.content_type,
        size=body.size,
        sha256=body.sha256,
        status=Status.AWAITING_UPLOAD,
        created_at=now,
        updated_at=now,
        bucket=bucket,
        key=key,
        multipart=multipart,
        trace_header=trace_header,
        file_name=body.file_name,
    )
    recipe = _store_with_version(recipe, body.version, deps)
    return RecipeCreated(
        recipe_id=recipe.recipe_id,
        name=recipe.name,
        version=recipe.version,
        status=recipe.status,
        upload=_instructions(recipe, plan, deps),
    )


def _store_with_version(recipe: Recipe, version: str | None, deps: ApiDeps) -> Recipe:
    """Claim the given version, or the next free one (racing creators retry)."""
    if version is not None:
        stored = replace(recipe, version=version)
        deps.store.create(stored)
        return stored
    return versioning.store_with_next_version(recipe, deps.store)


def _instructions(recipe: Recipe, plan: SinglePut | PartPlan, deps: ApiDeps) -> SinglePutUpload | MultipartUpload:
    ttl = deps.settings.upload_url_ttl_s
    if recipe.multipart is None:
        put = deps.urls.presign_put(recipe.bucket, recipe.key, recipe.content_type, recipe.sha256, ttl)
        expires = deps.clock() + timedelta(seconds=ttl)
        return SinglePutUpload(url=put.url, headers=put.headers, expires_at=expires)
    m = recipe.multipart
    return MultipartUpload(
        multipart=MultipartInfo(upload_id=m.upload_id, part_size=m.part_size, part_count=m.part_count)
    )


def get_recipe(principal: Principal, recipe_id: str, deps: ApiDeps) -> RecipeView:
    return views.recipe_view(owned(principal, recipe_id, deps))


def list_recipes(principal: Principal, params: ListParams, deps: ApiDeps) -> RecipeList:
    page = deps.store.list(
        ListQuery(principal.tenant_id, params.limit, params.status, params.name, params.cursor or None)
    )
    return RecipeList(recipes=[views.recipe_view(r) for r in page.recipes], cursor=page.cursor)


def _waiting_multipart(recipe: Recipe) -> Multipart:
    if recipe.multipart is None:
        raise Conflict("this recipe is uploaded with a single PUT, not in parts", code="not_multipart")
    if recipe.status is not Status.AWAITING_UPLOAD or recipe.upload_completed:
        raise Conflict(f"the upload is already {recipe.status.value.lower()}", code="upload_not_open")
    return recipe.multipart


def part_urls(principal: Principal, recipe_id: str, params: PartParams, deps: ApiDeps) -> PartUrls:
    recipe = owned(principal, recipe_id, deps)
    m = _waiting_multipart(recipe)
    try:
        numbers = part_numbers(params.first, params.count, m.part_count, deps.settings.max_part_urls_per_request)
    except ValueError as exc:
        raise InvalidRequest(str(exc), code="invalid_part_range") from exc
    ttl = deps.settings.upload_url_ttl_s
    parts = []
    for n in numbers:
        req = deps.urls.presign_part(recipe.bucket, recipe.key, m.upload_id, n, recipe.content_type, ttl)
        parts.append(PartUrl(part_number=n, url=req.url, headers=req.headers))
    return PartUrls(parts=parts, expires_at=deps.clock() + timedelta(seconds=ttl))


def complete_upload(principal: Principal, recipe_id: str, body: CompleteUpload, deps: ApiDeps) -> RecipeView:
    """Complete the multipart upload. Completing again is idempotent: it returns the recipe."""
    recipe = owned(principal, recipe_id, deps)
    if recipe.multipart is not None and (recipe.upload_completed or recipe.status is not Status.AWAITING_UPLOAD):
        if recipe.status is Status.ABORTED:
            raise Conflict("the upload was aborted", code="upload_not_open", details=upload_races.state_details(recipe))
        return views.recipe_view(recipe)
    try:
        _complete_multipart(recipe, body, deps)
    except (Conflict, TransientError, StoreConflict) as exc:
        # An abort that won the race makes S3 (or the emulator, with a 500) fail us here.
        raced = upload_races.lost_to_abort(deps.store, recipe.recipe_id)
        if raced is None:
            raise
        raise raced from exc
    return views.recipe_view(replace(recipe, upload_completed=True))


def _complete_multipart(recipe: Recipe, body: CompleteUpload, deps: ApiDeps) -> None:
    m = _waiting_multipart(recipe)
    numbers = [p.part_number for p in body.parts]
    if numbers != list(range(1, m.part_count + 1)):
        raise InvalidRequest(
            f"parts must be numbered 1..{m.part_count}, each once, in order",
            code="invalid_parts",
            details={"expected_part_count": m.part_count, "received": len(numbers)},
        )
    uploaded = deps.urls.uploaded_parts(recipe.bucket, recipe.key, m.upload_id)
    if uploaded is None:
        # S3 already completed it (a retried request whose first attempt lost the reply).
        if deps.urls.exists(recipe.bucket, recipe.key):
            deps.store.mark_upload_completed(recipe.recipe_id, deps.clock())
            return
        raise Conflict(
            "the multipart upload no longer exists", code="upload_gone", details=upload_races.state_details(recipe)
        )
    have = {p.part_number for p in uploaded}
    missing = [n for n in numbers if n not in have]
    if missing:
        raise Conflict(
            f"{len(missing)} part(s) not uploaded yet",
            code="parts_missing",
            details={"missing_part_numbers": missing[:100]},
        )
    try:
        deps.urls.complete(recipe.bucket, recipe.key, m.upload_id, [(p.part_number, p.etag) for p in body.parts])
    except Conflict as exc:
        if exc.code != "upload_gone":
            raise
        # An abort removed S3's upload after the check above: the 409 says the state, as the one above does.
        raise Conflict(exc.message, code="upload_gone", details=upload_races.state_details(recipe)) from exc
    deps.store.mark_upload_completed(recipe.recipe_id, deps.clock())


def abort_upload(principal: Principal, recipe_id: str, deps: ApiDeps) -> RecipeView:
    recipe = owned(principal, recipe_id, deps)
    if recipe.status is Status.ABORTED:
        return views.recipe_view(recipe)
    if recipe.status is not Status.AWAITING_UPLOAD or recipe.upload_completed:
        raise Conflict(
            f"the upload is already {recipe.status.value.lower()}; nothing to abort",
            code="not_abortable",
            details=upload_races.state_details(recipe),
        )
    try:
        if recipe.multipart is not None:
            deps.urls.abort(recipe.bucket, recipe.key, recipe.multipart.upload_id)
    except TransientError as exc:  # a completion in flight makes the emulator answer a 500
        raise upload_races.lost_to_complete(deps.store, recipe.recipe_id) or exc from exc
    now = deps.clock()
    if not deps.store.abort(recipe, now):
        current = deps.store.get(recipe.recipe_id)
        if current is not None and current.status is Status.ABORTED:
            return views.recipe_view(current)  # a concurrent abort: aborting is idempotent
        raise upload_races.lost_to_complete(deps.store, recipe.recipe_id) or Conflict(
            "the upload finished while aborting",
            code="not_abortable",
            details=upload_races.state_details(current or recipe),
        )
    return views.recipe_view(replace(recipe, status=Status.ABORTED, updated_at=now))


def download(principal: Principal, recipe_id: str, deps: ApiDeps) -> Download:
    recipe = owned(principal, recipe_id, deps)
    artifact = recipe.artifact
    if recipe.status is Status.WITHDRAWN:
        raise Gone(f"recipe {recipe_id} was withdrawn", details={"recipe_id": recipe_id})
    if recipe.status is not Status.DISTRIBUTED or artifact is None or not artifact.download_path:
        # A REJECTED recipe will never be distributed: "not yet" would promise otherwise.
        when = " and will not be distributed" if recipe.status in TERMINAL else ", not DISTRIBUTED yet"
        raise Conflict(f"the recipe is {recipe.status.value}{when}", code="not_distributed")
    base = deps.settings.cdn_base_url
    if not base:
        raise Unavailable("downloads are not configured (no CDN base URL)")
    expires_at = deps.clock() + timedelta(seconds=deps.settings.download_url_ttl_s)
    url = deps.signer().sign(base.rstrip("/") + artifact.download_path, expires_at)
    return Download(url=url, expires_at=expires_at, sha256=artifact.sha256, size=artifact.size_bytes)
