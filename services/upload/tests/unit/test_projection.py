"""The status projection's rules, example by example and as properties over event orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.projection import State, next_status, project
from chalicelib.recipe import PROGRESS_ORDER, Status, rank
from circulion.contracts import (
    ArtifactRef,
    ChunkProcessed,
    ChunkProcessedPayload,
    ChunkSpan,
    Envelope,
    ObjectRef,
    RecipeFailed,
    RecipeFailedPayload,
    RecipeMergeStarted,
    RecipeMergeStartedPayload,
    RecipeRejected,
    RecipeRejectedPayload,
    ValidationIssue,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PROGRESS_EVENTS = [
    "recipe.validated",
    "recipe.split",
    "chunk.processed",
    "recipe.merge_started",
    "recipe.merged",
    "recipe.distributed",
]
ALL_EVENTS = [*PROGRESS_EVENTS, "recipe.rejected", "recipe.failed"]


def _ids() -> dict[str, str]:
    return {"recipe_id": "r" * 32, "tenant_id": "acme"}


def chunk(index: int, total: int = 4, at: datetime = T0) -> ChunkProcessed:
    return ChunkProcessed(
        **_ids(),
        occurred_at=at,
        payload=ChunkProcessedPayload(
            chunk=ChunkSpan(index=index, start=0, end=1),
            total_chunks=total,
            sha256="0" * 64,
            crc32=0,
            segment=ObjectRef(bucket="b", key="k"),
            segment_size=1,
            record_count=1,
        ),
    )


def failed(at: datetime) -> RecipeFailed:
    return RecipeFailed(
        **_ids(), occurred_at=at, payload=RecipeFailedPayload(stage="merge", reason="retries_exhausted", message="boom")
    )


def test_forward_only() -> None:
    assert next_status(State(Status.MERGING), "chunk.processed", T0) is None
    assert next_status(State(Status.VALIDATING), "recipe.merge_started", T0) is Status.MERGING
    assert next_status(State(Status.AWAITING_UPLOAD), "recipe.validated", T0) is Status.PROCESSING


def test_terminal_states_stay() -> None:
    for final in (Status.REJECTED, Status.DISTRIBUTED, Status.ABORTED):
        for event in ALL_EVENTS:
            assert next_status(State(final), event, T0 + timedelta(days=1)) is None


def test_failed_moves_on_only_for_events_emitted_after_the_failure() -> None:
    state = State(Status.FAILED, failed_at=T0)
    assert next_status(state, "recipe.merge_started", T0 - timedelta(seconds=1)) is None
    assert next_status(state, "recipe.merge_started", T0 + timedelta(seconds=1)) is Status.MERGING
    assert next_status(state, "recipe.failed", T0 + timedelta(seconds=1)) is None


def test_failure_records_its_time_and_reason() -> None:
    change = project(State(Status.PROCESSING), failed(T0))
    assert change is not None and change.status is Status.FAILED and change.failed_at == T0
    assert change.errors[0]["code"] == "retries_exhausted"


def test_rejection_carries_the_issues() -> None:
    event = RecipeRejected(
        **_ids(),
        payload=RecipeRejectedPayload(
            stage="validation", issues=[ValidationIssue(code="size_mismatch", message="m")], issue_count=1
        ),
    )
    change = project(State(Status.VALIDATING), event)
    assert change is not None and change.status is Status.REJECTED
    assert change.errors == ({"stage": "validation", "code": "size_mismatch", "message": "m"},)


def test_chunk_progress_without_status_change() -> None:
    change = project(State(Status.PROCESSING, chunks_total=4), chunk(2))
    assert change is not None and change.status is None and change.chunk_index == 2 and change.chunks_total is None


def test_late_chunk_after_merge_started_still_counts_but_status_stays() -> None:
    merge = RecipeMergeStarted(**_ids(), payload=RecipeMergeStartedPayload(total_chunks=4))
    assert project(State(Status.PROCESSING), merge).status is Status.MERGING  # type: ignore[union-attr]
    change = project(State(Status.MERGING, chunks_total=4), chunk(3))
    assert change is not None and change.status is None and change.chunk_index == 3


def _apply(state: State, event: Envelope) -> State:
    change = project(state, event)
    if change is None:
        return state
    return State(
        status=change.status or state.status,
        failed_at=change.failed_at or state.failed_at,
        chunks_total=change.chunks_total if change.chunks_total is not None else state.chunks_total,
    )


events = st.sampled_from(ALL_EVENTS)
start = st.sampled_from(list(Status))


@settings(max_examples=300)
@given(start=start, sequence=st.lists(st.tuples(events, st.integers(-5, 5)), max_size=12))
def test_properties_over_any_event_order(start: Status, sequence: list[tuple[str, int]]) -> None:
    state = State(start, failed_at=T0 if start is Status.FAILED else None)
    for event_type, offset in sequence:
        at = T0 + timedelta(seconds=offset)
        new = next_status(state, event_type, at)
        if new is not None:
            # never backwards unless leaving FAILED for a redriven event or failing/rejecting
            if state.status is Status.FAILED:
                assert at > (state.failed_at or T0)
            elif new not in (Status.FAILED, Status.REJECTED):
                assert rank(new) > rank(state.status)
            assert state.status not in (Status.REJECTED, Status.DISTRIBUTED, Status.ABORTED)
            state = State(new, failed_at=at if new is Status.FAILED else state.failed_at)


@settings(max_examples=200)
@given(order=st.permutations(list(range(6))), duplicates=st.lists(st.integers(0, 5), max_size=4))
def test_progress_events_in_any_order_and_duplicated_end_distributed(order: list[int], duplicates: list[int]) -> None:
    state = State(Status.VALIDATING)
    for i in [*order, *duplicates]:
        new = next_status(state, PROGRESS_EVENTS[i], T0)
        if new is not None:
            state = State(new)
    assert state.status is Status.DISTRIBUTED


def test_progress_order_is_the_documented_one() -> None:
    assert [s.value for s in PROGRESS_ORDER] == [
        "AWAITING_UPLOAD",
        "VALIDATING",
        "PROCESSING",
        "MERGING",
        "DISTRIBUTING",
        "DISTRIBUTED",
    ]


def test_merged_then_distributed_artifacts() -> None:
    from circulion.contracts import RecipeDistributed, RecipeDistributedPayload

    artifact = ArtifactRef(bucket="a", key="artifacts/acme/n/1.0.0/r.zip", size_bytes=3, sha256="1" * 64)
    event = RecipeDistributed(
        **_ids(),
        payload=RecipeDistributedPayload(
            artifact=artifact, download_path="/artifacts/acme/n/1.0.0/r.zip", pointer_path="/p"
        ),
    )
    change = project(State(Status.DISTRIBUTING), event)
    assert change is not None and change.artifact is not None
    assert change.artifact.download_path == "/artifacts/acme/n/1.0.0/r.zip"
    assert _apply(State(Status.DISTRIBUTING), event).status is Status.DISTRIBUTED
