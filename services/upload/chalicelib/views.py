"""Recipes and validation errors as the API shows them."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from chalicelib.fleet_models import RestorationView, WithdrawalView
from chalicelib.models import ArtifactView, Progress, RecipeView
from chalicelib.recipe import Recipe


def recipe_view(recipe: Recipe) -> RecipeView:
    artifact = None
    if recipe.artifact is not None:
        a = recipe.artifact
        artifact = ArtifactView(size=a.size_bytes, sha256=a.sha256, download_path=a.download_path)
    return RecipeView(
        recipe_id=recipe.recipe_id,
        name=recipe.name,
        version=recipe.version,
        status=recipe.status,
        size=recipe.size,
        sha256=recipe.sha256,
        content_type=recipe.content_type,
        created_at=recipe.created_at,
        updated_at=recipe.updated_at,
        progress=Progress(chunks_total=recipe.chunks_total, chunks_done=recipe.chunks_done),
        errors=[dict(e) for e in recipe.errors],
        artifact=artifact,
        withdrawn=withdrawal_view(recipe),
        restored=RestorationView(by=recipe.restored.by, at=recipe.restored.at) if recipe.restored else None,
    )


def withdrawal_view(recipe: Recipe) -> WithdrawalView | None:
    w = recipe.withdrawn
    return WithdrawalView(by=w.by, at=w.at, reason=w.reason) if w else None


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors without the input echoed back or documentation URLs."""
    return [
        {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False)[:20]
    ]
