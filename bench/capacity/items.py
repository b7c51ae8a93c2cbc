"""DynamoDB item sizes, by DynamoDB's own rules, of the items that grow with a recipe.

Sizes follow the item-size rules of the DynamoDB developer guide: a string is its name's
and its value's UTF-8 bytes; a number is its name plus one byte per two significant
digits plus one; a number set is its name plus each member's size. The attributes listed
mirror what the stores write (``services/merger/chalicelib/ledger_store.py``,
``services/upload/chalicelib/recipe_item.py`` and ``dynamo_store.apply``), at their longest
(a 128-character name and tenant, a full trace header, 50 inline issues).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from circulion.contracts.events import (
    MAX_ISSUES_PER_MESSAGE,
    ArtifactRef,
    ChunkProcessedPayload,
    ChunkSpan,
    ObjectRef,
    RecipeDescription,
    RecipeMergedPayload,
    RecipeSplitPayload,
    ValidationIssue,
)
from circulion.upload_keys import incoming_key

Value = str | int | float | bool | frozenset[int]
KIB = 1024
RECIPE_ID = "f" * 32
TENANT = "t" * 128
NAME = "n" * 128
TRACE = "Root=1-67890abc-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1"
EPOCH = 1_764_633_600.123456
VERSION_ID = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"


def number_bytes(value: float) -> int:
    digits = len(repr(value).replace("-", "").replace(".", "").strip("0")) or 1
    return math.ceil(digits / 2) + 1


def item_bytes(item: Mapping[str, Value]) -> int:
    """The size DynamoDB counts for ``item``."""
    total = 0
    for name, value in item.items():
        total += len(name.encode())
        if isinstance(value, bool):
            total += 1
        elif isinstance(value, str):
            total += len(value.encode())
        elif isinstance(value, frozenset):
            total += sum(number_bytes(v) for v in value)
        else:
            total += number_bytes(value)
    return total


def write_units(size: int, *, transactional: bool = False) -> int:
    """Write request units of one write of a ``size``-byte item (1 KB each; x2 in a transaction)."""
    return max(1, math.ceil(size / KIB)) * (2 if transactional else 1)


def _description(size: int) -> RecipeDescription:
    return RecipeDescription(
        name=NAME, version="1.2.3-rc.1+build.7", content_type="application/x-ndjson", size_bytes=size, sha256="a" * 64
    )


def _source() -> ObjectRef:
    return ObjectRef(bucket="circulion-uploads", key=incoming_key(TENANT, RECIPE_ID), version_id=VERSION_ID)


def ledger_job(total_chunks: int, chunk_size: int) -> dict[str, Value]:
    """The merger's job item once the recipe is MERGED (every attribute present)."""
    size = total_chunks * chunk_size
    plan = RecipeSplitPayload(
        recipe=_description(size),
        kind="stream",
        source=_source(),
        total_chunks=total_chunks,
        chunk_size=chunk_size,
        plan=ObjectRef(bucket="circulion-work", key=f"plans/{RECIPE_ID}.json", version_id=VERSION_ID),
    )
    artifact = ArtifactRef(
        bucket="circulion-artifacts",
        key=f"artifacts/{TENANT}/{NAME}/1.2.3-rc.1+build.7.zip",
        size_bytes=size,
        sha256="b" * 64,
        version_id=VERSION_ID,
    )
    outcome = RecipeMergedPayload(
        recipe=_description(size), kind="stream", artifact=artifact, record_count=10**9, total_chunks=total_chunks
    )
    return {
        "pk": f"recipe#{RECIPE_ID}",
        "sk": "job",
        "tenant_id": TENANT,
        "state": "MERGED",
        "first_seen_at": EPOCH,
        "expires_at": int(EPOCH) + 30 * 86400,
        "progress_at": EPOCH,
        "trace_header": TRACE,
        "done": total_chunks,
        "version": 3 * total_chunks,
        "total": total_chunks,
        "plan": plan.model_dump_json(),
        "lease_owner": "f" * 36,
        "lease_expires_at": EPOCH,
        "merge_started_at": EPOCH,
        "outcome": outcome.model_dump_json(),
        "redrives": 3,
    }


def ledger_marker(
    index: int, total_chunks: int, chunk_size: int, *, issues: int = MAX_ISSUES_PER_MESSAGE
) -> dict[str, Value]:
    """One chunk's marker (``chunk.processed`` payload), with ``issues`` inline issues."""
    start = index * chunk_size
    issue = ValidationIssue(
        code="step_id_not_increasing",
        message="step_id 12345678 is not greater than 12345679",
        line=10**9,
        byte_offset=10**12,
        chunk_index=index,
        step_id=12345678,
        chunk_line=10**6,
    )
    result = ChunkProcessedPayload(
        chunk=ChunkSpan(index=index, start=start, end=start + chunk_size),
        total_chunks=total_chunks,
        sha256="c" * 64,
        crc32=0xFFFFFFFF,
        segment=ObjectRef(
            bucket="circulion-work", key=f"segments/{RECIPE_ID}/{index:06d}.deflate", version_id=VERSION_ID
        ),
        segment_size=chunk_size,
        record_count=10**6,
        issues=[issue] * issues,
        issue_count=10**6,
        issues_report=ObjectRef(bucket="circulion-work", key=f"reports/{RECIPE_ID}/chunk-{index:06d}.json"),
        newline_count=10**6,
    )
    return {
        "pk": f"recipe#{RECIPE_ID}",
        "sk": f"chunk#{index:06d}",
        "result": result.model_dump_json(),
        "expires_at": int(EPOCH),
    }


def recipe_record(chunks_seen: Iterable[int]) -> dict[str, Value]:
    """The upload service's recipe item (the one ``gsi1`` projects whole) with its chunk set."""
    created = "2026-12-01T21:00:00.123456+00:00"
    return {
        "pk": f"RECIPE#{RECIPE_ID}",
        "sk": "RECIPE",
        "gsi1pk": f"TENANT#{TENANT}",
        "gsi1sk": f"{created}#{RECIPE_ID}",
        "recipe_id": RECIPE_ID,
        "tenant_id": TENANT,
        "name": NAME,
        "version": "1.2.3-rc.1+build.7",
        "content_type": "application/x-ndjson",
        "size": 2**40,
        "sha256": "a" * 64,
        "status": "DISTRIBUTED",
        "created_at": created,
        "updated_at": created,
        "bucket": "circulion-uploads",
        "object_key": incoming_key(TENANT, RECIPE_ID),
        "upload_completed": True,
        "chunks_done": 0,
        "errors": "[]",
        "revision": 10**6,
        "upload_id": "u" * 128,
        "part_size": 8 * 2**20,
        "part_count": 10_000,
        "trace_header": TRACE,
        "chunks_total": 10**6,
        "validation_lease_until": created,
        "artifact": '{"bucket":"circulion-artifacts","key":"artifacts/' + TENANT + "/" + NAME + '/1.2.3.zip",'
        '"size":1099511627776,"sha256":"'
        + "b" * 64
        + '","download_path":"/artifacts/'
        + TENANT
        + "/"
        + NAME
        + '/1.2.3.zip"}',
        "chunks_seen": frozenset(chunks_seen),
    }
