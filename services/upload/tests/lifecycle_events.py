"""Lifecycle events of one recipe, any type, for the projection's store tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from circulion.contracts import (
    ArtifactRef,
    ChunkProcessed,
    ChunkProcessedPayload,
    ChunkSpan,
    Envelope,
    ObjectRef,
    PointerChangePayload,
    RecipeDescription,
    RecipeDistributed,
    RecipeDistributedPayload,
    RecipeFailed,
    RecipeFailedPayload,
    RecipeMerged,
    RecipeMergedPayload,
    RecipeMergeStarted,
    RecipeMergeStartedPayload,
    RecipeRejected,
    RecipeRejectedPayload,
    RecipeSplit,
    RecipeSplitPayload,
    RecipeValidated,
    RecipeValidatedPayload,
    RecipeWithdrawn,
    ValidationIssue,
)

T0 = datetime(2026, 1, 2, tzinfo=UTC)
TOTAL = 3
IN_ORDER = (
    "recipe.validated",
    "recipe.split",
    "chunk.processed",
    "recipe.merge_started",
    "recipe.merged",
    "recipe.distributed",
)
LIFECYCLE = (*IN_ORDER, "recipe.rejected", "recipe.failed", "recipe.withdrawn")


def lifecycle_event(
    kind: str, recipe_id: str, *, tenant_id: str = "acme", seconds: int = 0, index: int = 0
) -> Envelope:
    """The ``kind`` event of the recipe, emitted ``seconds`` after :data:`T0`."""
    ids = {"recipe_id": recipe_id, "tenant_id": tenant_id, "occurred_at": T0 + timedelta(seconds=seconds)}
    source = ObjectRef(bucket="b", key="k")
    described = {"recipe": _description(), "kind": "document"}
    artifact = ArtifactRef(bucket="a", key="artifacts/acme/n/1.0.0/r.zip", size_bytes=3, sha256="1" * 64)
    if kind == "recipe.validated":
        return RecipeValidated(**ids, payload=RecipeValidatedPayload(**described, source=source))
    if kind == "recipe.split":
        return RecipeSplit(
            **ids, payload=RecipeSplitPayload(**described, source=source, total_chunks=TOTAL, chunk_size=1)
        )
    if kind == "chunk.processed":
        span = ChunkSpan(index=index, start=index, end=index + 1)
        payload = ChunkProcessedPayload(
            chunk=span, total_chunks=TOTAL, sha256="0" * 64, crc32=0, segment=source, segment_size=1, record_count=1
        )
        return ChunkProcessed(**ids, payload=payload)
    if kind == "recipe.merge_started":
        return RecipeMergeStarted(**ids, payload=RecipeMergeStartedPayload(total_chunks=TOTAL))
    if kind == "recipe.merged":
        return RecipeMerged(
            **ids, payload=RecipeMergedPayload(**described, artifact=artifact, record_count=3, total_chunks=TOTAL)
        )
    if kind == "recipe.distributed":
        payload_d = RecipeDistributedPayload(artifact=artifact, download_path="/artifacts/r.zip", pointer_path="/p")
        return RecipeDistributed(**ids, payload=payload_d)
    if kind == "recipe.rejected":
        issue = ValidationIssue(code="size_mismatch", message="declared 3, got 4")
        return RecipeRejected(**ids, payload=RecipeRejectedPayload(stage="validation", issues=[issue], issue_count=1))
    if kind == "recipe.failed":
        return RecipeFailed(**ids, payload=RecipeFailedPayload(stage="merge", reason="retries_exhausted", message="x"))
    if kind == "recipe.withdrawn":
        pointer = PointerChangePayload(
            name="n", version="1.0.1", sequence=1, generation=1, pointer_path="/p", live_version=None
        )
        return RecipeWithdrawn(**ids, payload=pointer)
    raise ValueError(kind)


def _description() -> RecipeDescription:
    return RecipeDescription(name="n", version="1.0.1", content_type="application/json", size_bytes=3, sha256="0" * 64)
