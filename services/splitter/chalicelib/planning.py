"""Size routing and byte-range planning: pure functions, no I/O.

The splitter copies no bytes: a plan is a list of half-open byte ranges that workers read
with ranged GETs.
"""

from __future__ import annotations

from circulion.contracts.events import (
    ObjectRef,
    ProcessChunk,
    ProcessChunkPayload,
    RecipeSplit,
    RecipeSplitPayload,
    RecipeValidated,
)
from circulion.recipes.chunk_plan import MAX_CHUNKS, ChunkPlan, fitting_chunk_size, plan_chunks

__all__ = ["MAX_CHUNKS", "ChunkPlan", "chunk_tasks", "fitting_chunk_size", "plan_chunks", "recipe_split"]


def chunk_tasks(message: RecipeValidated, plan: ChunkPlan) -> list[ProcessChunk]:
    """One ``chunk.process`` task per span, each carrying what its worker needs."""
    p = message.payload
    return [
        message.follow(
            ProcessChunk,
            ProcessChunkPayload(
                recipe=p.recipe, kind=p.kind, source=p.source, chunk=span, total_chunks=plan.total_chunks
            ),
        )
        for span in plan.spans
    ]


def recipe_split(message: RecipeValidated, plan: ChunkPlan, plan_ref: ObjectRef) -> RecipeSplit:
    """The ``recipe.split`` event announcing ``plan`` (its full span list in S3)."""
    p = message.payload
    return message.follow(
        RecipeSplit,
        RecipeSplitPayload(
            recipe=p.recipe,
            kind=p.kind,
            source=p.source,
            total_chunks=plan.total_chunks,
            chunk_size=plan.chunk_size,
            plan=plan_ref,
        ),
    )
