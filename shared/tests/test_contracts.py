"""The event contracts: round trips, snapshots, and the compatibility rule."""

from __future__ import annotations

import copy
import json

import pytest

from circulion.contracts import (
    MESSAGE_TYPES,
    RecipeFailed,
    RecipeFailedPayload,
    RecipeMergeStarted,
    RecipeMergeStartedPayload,
)
from circulion.contracts.snapshots import breaking_changes, check, schema_of, snapshot_path
from circulion.errors import MalformedMessage, UnexpectedEventType
from circulion.messages import parse_message


def test_every_message_has_a_committed_compatible_snapshot() -> None:
    assert check() == {}


@pytest.mark.parametrize("cls", list(MESSAGE_TYPES.values()), ids=list(MESSAGE_TYPES))
def test_snapshot_is_compatible_with_itself_and_exists(cls: type) -> None:
    snapshot = json.loads(snapshot_path(cls).read_text())
    assert breaking_changes(snapshot, snapshot) == []


def _split_schema() -> dict:
    return schema_of(MESSAGE_TYPES["recipe.split"])


def test_removing_a_field_is_breaking() -> None:
    old = _split_schema()
    new = copy.deepcopy(old)
    del new["$defs"]["RecipeSplitPayload"]["properties"]["total_chunks"]
    new["$defs"]["RecipeSplitPayload"]["required"].remove("total_chunks")
    problems = breaking_changes(old, new)
    assert any("total_chunks: removed" in p for p in problems)


def test_changing_a_type_is_breaking() -> None:
    old = _split_schema()
    new = copy.deepcopy(old)
    new["$defs"]["RecipeSplitPayload"]["properties"]["total_chunks"] = {"type": "string"}
    assert any("total_chunks" in p for p in breaking_changes(old, new))


def test_newly_required_field_is_breaking() -> None:
    old = _split_schema()
    new = copy.deepcopy(old)
    new["$defs"]["RecipeSplitPayload"]["properties"]["priority"] = {"type": "integer"}
    new["$defs"]["RecipeSplitPayload"]["required"].append("priority")
    assert any("priority: newly required" in p for p in breaking_changes(old, new))


def test_adding_an_optional_field_is_compatible() -> None:
    old = _split_schema()
    new = copy.deepcopy(old)
    new["$defs"]["RecipeSplitPayload"]["properties"]["priority"] = {"type": "integer", "default": 0}
    assert breaking_changes(old, new) == []


def test_round_trip_through_json() -> None:
    event = RecipeMergeStarted(recipe_id="r-1", tenant_id="acme", payload=RecipeMergeStartedPayload(total_chunks=3))
    parsed = parse_message(event.to_json())
    assert parsed == event


def test_follow_carries_identity_and_trace() -> None:
    started = RecipeMergeStarted(
        recipe_id="r-1",
        tenant_id="acme",
        trace_header="Root=1-abc;Sampled=1",
        payload=RecipeMergeStartedPayload(total_chunks=3),
    )
    failed = started.follow(RecipeFailed, RecipeFailedPayload(stage="merge", reason="x", message="y"))
    assert (failed.recipe_id, failed.tenant_id, failed.trace_header) == ("r-1", "acme", "Root=1-abc;Sampled=1")
    assert failed.event_id != started.event_id


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "{}",
        '{"type": "recipe.unknown", "recipe_id": "r", "tenant_id": "t", "payload": {}}',
        '{"type": "recipe.merge_started", "recipe_id": "r", "tenant_id": "t", "payload": {"total_chunks": 0}}',
    ],
)
def test_malformed_messages_are_rejected_clearly(body: str) -> None:
    with pytest.raises(MalformedMessage) as info:
        parse_message(body)
    assert info.value.code == "malformed_message"


def test_unexpected_type_is_its_own_error() -> None:
    event = RecipeMergeStarted(recipe_id="r", tenant_id="t", payload=RecipeMergeStartedPayload(total_chunks=1))
    with pytest.raises(UnexpectedEventType):
        parse_message(event.to_json(), expect=RecipeFailed)


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    event = RecipeMergeStarted(recipe_id="r", tenant_id="t", payload=RecipeMergeStartedPayload(total_chunks=1))
    data = json.loads(event.to_json())
    data["payload"]["added_later"] = True
    data["added_later"] = 1
    assert parse_message(json.dumps(data)) == event
