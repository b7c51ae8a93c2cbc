"""The one-write guess per event and the update built from it (pure)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.dynamo_change import guessed_update
from chalicelib.projection import State, is_final, project
from chalicelib.projection_guess import OPEN, guess
from chalicelib.recipe import Status
from tests.fakes import utc
from tests.lifecycle_events import LIFECYCLE, T0, lifecycle_event

RID = "r" * 32


@pytest.mark.parametrize("kind", LIFECYCLE)
def test_the_guess_is_what_the_rules_write_on_every_status_it_is_conditioned_on(kind: str) -> None:
    event = lifecycle_event(kind, RID)
    found = guess(event)
    if found is None:
        assert kind in ("recipe.rejected", "recipe.withdrawn")
        return
    assert found.statuses and Status.FAILED not in found.statuses
    assert not any(is_final(s) for s in found.statuses)
    for status in found.statuses:
        assert project(State(status), event) == found.change
    for status in set(OPEN) - found.statuses:  # the rules write something else there
        assert project(State(status), event) != found.change


def test_split_and_chunks_expect_processing_and_the_rest_expect_to_move_on() -> None:
    split = guess(lifecycle_event("recipe.split", RID))
    assert split is not None and split.statuses == {Status.PROCESSING, Status.MERGING, Status.DISTRIBUTING}
    assert split.change.status is None and split.only_if_new
    chunk = guess(lifecycle_event("chunk.processed", RID, index=2))
    assert chunk is not None and not chunk.only_if_new and chunk.change.chunk_index == 2
    validated = guess(lifecycle_event("recipe.validated", RID))
    assert validated is not None and validated.statuses == {Status.AWAITING_UPLOAD, Status.VALIDATING}
    assert validated.change.status is Status.PROCESSING
    failed = guess(lifecycle_event("recipe.failed", RID, seconds=4))
    assert failed is not None and failed.statuses == set(OPEN) and failed.change.failed_at == T0 + timedelta(seconds=4)


def test_a_duplicate_split_is_refused_by_the_condition_not_written() -> None:
    found = guess(lifecycle_event("recipe.split", RID))
    assert found is not None
    update = guessed_update(found, "acme", utc(2026, 1, 3))
    assert update.condition.startswith("tenant_id = :tenant AND #s IN (")
    assert "attribute_type(milestones, :map)" in update.condition
    assert update.condition.endswith(
        "AND (attribute_not_exists(chunks_total) OR chunks_total <> :total OR attribute_not_exists(milestones.#m))"
    )
    assert "milestones.#m = if_not_exists(milestones.#m, :at)" in update.expression
    assert update.names == {"#s": "status", "#m": "split"} and update.values[":tenant"] == "acme"
