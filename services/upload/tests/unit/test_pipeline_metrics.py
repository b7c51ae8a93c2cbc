"""Stage timings and outcome counts the status projection emits (EMF on stdout)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.pipeline_metrics import emit_for_change
from chalicelib.projection import Change
from chalicelib.recipe import Recipe, Status
from chalicelib.timings import completed_stages

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _recipe(**fields: Any) -> Recipe:
    base: dict[str, Any] = {
        "recipe_id": "r1",
        "tenant_id": "acme",
        "name": "arm",
        "version": "1.0.0",
        "content_type": "application/json",
        "size": 10_000,
        "sha256": "0" * 64,
        "status": Status.PROCESSING,
        "created_at": T0,
        "updated_at": T0,
        "bucket": "b",
        "key": "k",
        "arrived_at": T0,
    }
    return Recipe(**{**base, **fields})


def _documents(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]


def test_a_milestone_completes_the_stage_before_it_and_after_it_when_both_ends_are_known() -> None:
    at = {"arrived": T0, "validated": T0 + timedelta(seconds=1), "merge_started": T0 + timedelta(seconds=9)}
    # recipe.split arrives last: it ends `split` (validated -> split) and the next stage, `chunks`.
    assert completed_stages(at, "split", T0 + timedelta(seconds=2)) == [("split", 1000.0), ("chunks", 7000.0)]
    assert completed_stages({**at, "split": T0}, "split", T0) == []  # a redelivered event counts nothing
    assert completed_stages({}, "merged", T0) == []  # neither neighbour known yet


def test_distributed_emits_the_distribution_stage_end_to_end_latency_and_the_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    recipe = _recipe(status=Status.DISTRIBUTING, milestones=(("merged", T0 + timedelta(seconds=4)),))
    emit_for_change(recipe, Change(status=Status.DISTRIBUTED, milestone=("distributed", T0 + timedelta(seconds=5))))
    stage, latency, count = _documents(capsys)
    assert stage["StageDuration"] == 1000.0 and stage["stage"] == "distribution"
    assert stage["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["kind", "service", "stage"], ["service", "stage"]]
    assert latency["EndToEndLatency"] == 5000.0
    assert (latency["kind"], latency["size_class"]) == ("document", "small")
    assert latency["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["kind", "service", "size_class"],
        ["kind", "service"],
    ]
    assert count["Distributed"] == 1
    assert count["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "tenant"], ["service"]]


def test_rejections_count_by_first_code_and_tenant_never_their_product(capsys: pytest.CaptureFixture[str]) -> None:
    errors = ({"stage": "validation", "code": "sha256_mismatch"}, {"stage": "validation", "code": "size_mismatch"})
    emit_for_change(_recipe(), Change(status=Status.REJECTED, errors=errors))
    (doc,) = _documents(capsys)
    assert doc["Rejected"] == 1 and doc["code"] == "sha256_mismatch" and doc["tenant"] == "acme"
    assert doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["service", "tenant"],
        ["code", "service"],
        ["service"],
    ]


def test_a_change_without_outcome_or_milestone_emits_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    emit_for_change(_recipe(), Change(chunk_index=3))
    assert _documents(capsys) == []
