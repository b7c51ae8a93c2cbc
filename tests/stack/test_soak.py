"""Soak: many recipes of every kind through the stack with chaos on (issue 10).

Runs on the ``chaos_runtime`` stack: workers SIGKILLed mid-invocation, messages delivered
twice and held back, failed batches back within ~25 s (``--fast-redelivery``). Then:

* every recipe reaches the terminal state it deserves (DISTRIBUTED, or REJECTED with the
  expected reason codes), and a rejected upload is still in its bucket, tagged;
* every distributed archive's recipe file is byte-identical to the upload, fetched with
  the API's signed URL through the edge;
* no recipe is merged twice: one version of its archive key in the versioned bucket, and
  every ``recipe.merged`` seen for it names the same archive;
* no message is left outside a queue: every pipeline queue drains, every DLQ is empty;
* no invalidation is duplicated: each pointer path is in one invalidation, no caller
  reference made two — also when chaos killed a distributor between CreateInvalidation
  and recording it (the retry resends the recorded request; docs/FAULTS.md).

``test_soak_short`` (10 small recipes) runs in ``make test``; ``test_soak_full`` (50
recipes, 1 byte to 200 MB) is ``slow``: ``CIRCULION_PORT_OFFSET=N pytest
tests/stack/test_soak.py -m "stack and slow"``. Figures (fault counts, durations) are
printed and written to ``<chaos state dir>/soak-*.json``.
"""

from __future__ import annotations

import collections
import json
import time
import uuid
from typing import Any

import pytest
from api import UploadApi
from chaos_runtime import ChaosRuntime
from soak_checks import (
    MIB,
    Case,
    assert_outcome,
    asset_bytes,
    corpus,
    duplicated_invalidations,
    queue_depths,
    stream_bytes,
    upload,
    wait_terminal,
)

pytestmark = pytest.mark.stack


def _soak(runtime: ChaosRuntime, cases: list[Case], timeout_s: float, report: str) -> dict[str, Any]:
    stack = runtime.stack
    assert stack is not None
    tenant = f"soak-{uuid.uuid4().hex[:8]}"
    api = UploadApi.for_tenant(stack.ports, tenant)
    merged_probe = stack.probe_queue(["recipe.merged"])
    faults_before = runtime.fault_counts()
    kills_before = runtime.kills_of("distributor.distribute")
    started = time.monotonic()
    submitted: list[tuple[Case, str, str]] = []
    for n, case in enumerate(cases):
        name = f"{case.label}-{n}"
        submitted.append((case, name, upload(api, case, name)))
    uploaded_s = time.monotonic() - started

    recipes = wait_terminal(stack, api, [rid for _, _, rid in submitted], timeout_s)
    settled_s = time.monotonic() - started
    for (case, _, _), recipe in zip(submitted, recipes, strict=True):
        assert_outcome(stack, api, case, recipe)

    distributed = {rid: recipe for (_, _, rid), recipe in zip(submitted, recipes, strict=True)}
    merged: dict[str, set[str]] = collections.defaultdict(set)
    for message in stack.receive_all(merged_probe, 10):
        event = json.loads(message["Body"])
        artifact = event["payload"].get("artifact", {})
        merged[event["recipe_id"]].add(json.dumps(artifact, sort_keys=True))
    for rid, recipe in distributed.items():
        if recipe["status"] == "DISTRIBUTED":
            assert len(merged.get(rid, set())) <= 1, f"{rid} merged into different archives: {merged[rid]}"

    depths = stack.wait_until(
        lambda: (d := queue_depths(stack)) and (d if not any(d.values()) else None),
        120,
        interval=2.0,
        message="every queue and DLQ empty",
    )
    pointers = [
        f"/artifacts/{tenant}/{name}/latest.json"
        for (case, name, _), recipe in zip(submitted, recipes, strict=True)
        if recipe["status"] == "DISTRIBUTED"
    ]
    duplicated = duplicated_invalidations(stack, pointers)
    distributor_kills = runtime.kills_of("distributor.distribute") - kills_before
    assert duplicated == {}, f"invalidated twice ({distributor_kills} distributor kills): {duplicated}"

    faults = runtime.fault_counts() - faults_before
    figures = {
        "recipes": len(cases),
        "bytes": sum(len(c.data) for c in cases),
        "largest": max(len(c.data) for c in cases),
        "smallest": min(len(c.data) for c in cases),
        "statuses": dict(collections.Counter(r["status"] for r in recipes)),
        "faults": dict(faults),
        "merged_events": sum(len(v) for v in merged.values()),
        "pointers_invalidated": len(pointers),
        "distributor_kills": distributor_kills,
        "queues_after": depths,
        "uploaded_s": round(uploaded_s, 1),
        "settled_s": round(settled_s, 1),
    }
    print(json.dumps(figures, indent=1))
    (runtime.state_dir / f"soak-{report}.json").write_text(json.dumps(figures, indent=1))
    assert sum(faults.values()) > 0, "chaos injected nothing: the soak proved nothing"
    return figures


def test_soak_short(chaos_runtime: ChaosRuntime) -> None:
    ready = chaos_runtime.stack.ready if chaos_runtime.stack else {}
    assert ready.get("chaos") and ready.get("fast_redelivery_s") and ready.get("attached_emulator")
    figures = _soak(chaos_runtime, corpus(10, scale_mb=0.5), timeout_s=300, report="short")
    assert figures["statuses"].get("DISTRIBUTED", 0) >= 4


@pytest.mark.slow
def test_soak_full(chaos_runtime: ChaosRuntime) -> None:
    cases = corpus(48, scale_mb=12)
    cases.append(Case("asset-200mb", "application/octet-stream", asset_bytes(200 * MIB, 200)))
    cases.append(Case("stream-60mb", "application/x-ndjson", stream_bytes(60 * MIB)))
    figures = _soak(chaos_runtime, cases, timeout_s=2400, report="full")
    assert figures["largest"] >= 200 * MIB and figures["smallest"] == 1
