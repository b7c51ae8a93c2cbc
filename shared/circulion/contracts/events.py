"""Every message on the bus: one payload model and one envelope class per type.

Events are past tense (``recipe.validated``) and fan out over the ``recipe-events``
topic; the one task, ``chunk.process``, is imperative and goes to the splitter's work
queue. Big things (chunk plans, long error lists) live in S3 and messages carry a key, so
no message nears the 256 KB SNS/SQS limit.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, TypeAdapter

from circulion.contracts.artifacts import ArtifactRef as ArtifactRef  # noqa: PLC0414 - explicit re-export: it lived here
from circulion.contracts.envelope import Channel, Envelope, Payload
from circulion.contracts.withdrawals import (
    RecipeRestored,
    RecipeRestoreRequested,
    RecipeWithdrawalRequested,
    RecipeWithdrawn,
)
from circulion.identifiers import SHA256_HEX_LOWER, field_pattern

RecipeKind = Literal["document", "stream", "asset"]
"""How a recipe is processed: one JSON document, an NDJSON stream, or opaque bytes."""

Stage = Literal["upload", "validation", "split", "processing", "merge", "distribution"]

MAX_ISSUES_PER_MESSAGE = 50
"""Validation issues carried inline; the rest are counted and stored in S3."""


class ObjectRef(Payload):
    """An S3 object, pinned to a version when the bucket is versioned."""

    bucket: str
    key: str
    version_id: str | None = None


class ValidationIssue(Payload):
    """One thing wrong with a customer's input, with where it is."""

    code: str = Field(description="machine-readable reason, e.g. 'step_id_not_increasing'")
    message: str
    line: int | None = Field(default=None, description="1-based line in the uploaded file")
    byte_offset: int | None = Field(default=None, description="offset in the uploaded file")
    chunk_index: int | None = None
    step_id: int | None = None
    chunk_line: int | None = Field(
        default=None,
        description="1-based line counted from the chunk's first byte; file line = newlines before the chunk + this",
    )


class RecipeDescription(Payload):
    """What the customer declared when creating the recipe."""

    name: str
    version: str
    content_type: str
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=field_pattern(SHA256_HEX_LOWER))
    file_name: str | None = Field(
        default=None, max_length=255, description="the uploaded file's own name, kept inside the archive"
    )


# --- upload ---------------------------------------------------------------------------


class RecipeValidatedPayload(Payload):
    recipe: RecipeDescription
    kind: RecipeKind
    source: ObjectRef


class RecipeValidated(Envelope):
    """The uploaded object matches its declaration and may be processed."""

    type: Literal["recipe.validated"] = "recipe.validated"
    payload: RecipeValidatedPayload


class RecipeRejectedPayload(Payload):
    stage: Stage
    issues: list[ValidationIssue] = Field(max_length=MAX_ISSUES_PER_MESSAGE)
    issue_count: int = Field(ge=1)
    report: ObjectRef | None = Field(default=None, description="full report when truncated")


class RecipeRejected(Envelope):
    """The customer's input is wrong; terminal, with reasons."""

    type: Literal["recipe.rejected"] = "recipe.rejected"
    payload: RecipeRejectedPayload


# --- splitter -------------------------------------------------------------------------


class ChunkSpan(Payload):
    """The byte range ``[start, end)`` of the uploaded file that a chunk owns."""

    index: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class RecipeSplitPayload(Payload):
    recipe: RecipeDescription
    kind: RecipeKind
    source: ObjectRef
    total_chunks: int = Field(ge=1)
    chunk_size: int = Field(ge=1)
    plan: ObjectRef | None = Field(default=None, description="the full ChunkSpan list")


class RecipeSplit(Envelope):
    """The recipe was planned into chunks and every chunk task was enqueued."""

    type: Literal["recipe.split"] = "recipe.split"
    payload: RecipeSplitPayload


class ProcessChunkPayload(Payload):
    recipe: RecipeDescription
    kind: RecipeKind
    source: ObjectRef
    chunk: ChunkSpan
    total_chunks: int = Field(ge=1)


class ProcessChunk(Envelope):
    """Task: hash, compress and validate one chunk. Sent to the work queue, not the topic."""

    channel: ClassVar[Channel] = "work"
    type: Literal["chunk.process"] = "chunk.process"
    payload: ProcessChunkPayload


class StepIdRange(Payload):
    """First and last step id seen in a chunk, so the merger checks order across chunks."""

    first: int
    last: int
    first_line: int | None = None
    first_chunk_line: int | None = Field(default=None, description="first step's line counted from the chunk start")
    first_offset: int | None = Field(default=None, description="byte offset of the first step's record")


class ChunkProcessedPayload(Payload):
    chunk: ChunkSpan
    total_chunks: int = Field(ge=1)
    sha256: str = Field(pattern=field_pattern(SHA256_HEX_LOWER))
    crc32: int = Field(ge=0, le=0xFFFFFFFF)
    segment: ObjectRef
    segment_size: int = Field(ge=0, description="compressed bytes in the deflate segment")
    record_count: int = Field(ge=0)
    step_ids: StepIdRange | None = None
    issues: list[ValidationIssue] = Field(default_factory=list, max_length=MAX_ISSUES_PER_MESSAGE)
    issue_count: int = Field(default=0, ge=0)
    issues_report: ObjectRef | None = None
    newline_count: int | None = Field(
        default=None, ge=0, description="newline bytes in [start, end): prefix sums turn chunk lines into file lines"
    )


class ChunkProcessed(Envelope):
    """One chunk was hashed, compressed into its segment and validated."""

    type: Literal["chunk.processed"] = "chunk.processed"
    payload: ChunkProcessedPayload


# --- merger ---------------------------------------------------------------------------


class RecipeMergeStartedPayload(Payload):
    total_chunks: int = Field(ge=1)


class RecipeMergeStarted(Envelope):
    """Every chunk is in; the merger took the lease and is building the archive."""

    type: Literal["recipe.merge_started"] = "recipe.merge_started"
    payload: RecipeMergeStartedPayload


class RecipeMergedPayload(Payload):
    recipe: RecipeDescription
    kind: RecipeKind
    artifact: ArtifactRef
    record_count: int = Field(ge=0)
    total_chunks: int = Field(ge=1)


class RecipeMerged(Envelope):
    """The archive is built and committed under its immutable key."""

    type: Literal["recipe.merged"] = "recipe.merged"
    payload: RecipeMergedPayload


class RecipeFailedPayload(Payload):
    stage: Stage
    reason: str = Field(description="machine-readable code")
    message: str


class RecipeFailed(Envelope):
    """Our side failed after retries; terminal until an operator redrives it."""

    type: Literal["recipe.failed"] = "recipe.failed"
    payload: RecipeFailedPayload


# --- distributor ----------------------------------------------------------------------


class RecipeDistributedPayload(Payload):
    artifact: ArtifactRef
    download_path: str = Field(description="CDN path of the archive, e.g. /artifacts/...zip")
    pointer_path: str
    invalidation_id: str | None = None


class RecipeDistributed(Envelope):
    """The archive is reachable through the CDN and the name's pointer moved to it."""

    type: Literal["recipe.distributed"] = "recipe.distributed"
    payload: RecipeDistributedPayload


AnyMessage = Annotated[
    RecipeValidated
    | RecipeRejected
    | RecipeSplit
    | ProcessChunk
    | ChunkProcessed
    | RecipeMergeStarted
    | RecipeMerged
    | RecipeFailed
    | RecipeDistributed
    | RecipeWithdrawalRequested
    | RecipeRestoreRequested
    | RecipeWithdrawn
    | RecipeRestored,
    Field(discriminator="type"),
]

ANY_MESSAGE: TypeAdapter[AnyMessage] = TypeAdapter(AnyMessage)

MESSAGE_TYPES: dict[str, type[Envelope]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        RecipeValidated,
        RecipeRejected,
        RecipeSplit,
        ProcessChunk,
        ChunkProcessed,
        RecipeMergeStarted,
        RecipeMerged,
        RecipeFailed,
        RecipeDistributed,
        RecipeWithdrawalRequested,
        RecipeRestoreRequested,
        RecipeWithdrawn,
        RecipeRestored,
    )
}
"""Message class by its ``type`` string."""

LIFECYCLE_EVENT_TYPES: tuple[str, ...] = tuple(name for name, cls in MESSAGE_TYPES.items() if cls.channel == "events")
