"""The pipeline's metrics, from the status projection (it sees every lifecycle event).

After a change is stored: the stages it completed, the end-to-end latency when the recipe
reached ``DISTRIBUTED``, and one count per outcome (distributed, rejected by its first
issue's code, failed by stage). Emitted only for a change that was written, so a
redelivered event counts nothing twice (and a crash between the write and the emission
loses that one datapoint: at most once). Names and dimensions: :mod:`circulion.metrics`.
"""

from __future__ import annotations

from chalicelib.projection import Change
from chalicelib.recipe import Recipe, Status
from chalicelib.timings import completed_stages, end_to_end_ms
from circulion import metrics

SERVICE = "upload"


def emit_for_change(recipe: Recipe, change: Change) -> None:
    """Emit what ``change`` (just written over ``recipe``) tells about the pipeline."""
    size_class = metrics.size_class(recipe.size)
    moments = recipe.moments()
    if change.milestone is not None:
        name, at = change.milestone
        for stage, ms in completed_stages(moments, name, at):
            metrics.emit_many(
                SERVICE, {"StageDuration": (ms, "Milliseconds")}, rollups=[("stage",)], stage=stage, kind=recipe.kind
            )
        moments = {**moments, name: at}
    if change.status is Status.DISTRIBUTED and change.milestone is not None:
        latency = end_to_end_ms(moments, change.milestone[1])
        if latency is not None:
            metrics.emit_many(
                SERVICE,
                {"EndToEndLatency": (latency, "Milliseconds")},
                rollups=[("kind",)],
                kind=recipe.kind,
                size_class=size_class,
            )
        _count("Distributed", recipe)
    elif change.status is Status.REJECTED:
        code = str(change.errors[0].get("code") or "unknown") if change.errors else "unknown"
        _count("Rejected", recipe, code=code)
    elif change.status is Status.FAILED:
        stage = str(change.errors[0].get("stage") or "unknown") if change.errors else "unknown"
        _count("Failed", recipe, stage=stage)


def _count(name: str, recipe: Recipe, **reason: str) -> None:
    """One recipe's outcome: per tenant, per reason (when there is one) and in total."""
    metrics.emit_many(
        SERVICE,
        {name: (1, "Count")},
        rollups=[("tenant",), *((key,) for key in reason), ()],
        full_set=False,
        tenant=recipe.tenant_id,
        **reason,
    )
