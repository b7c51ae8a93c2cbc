"""How long each stage of a recipe took, from the moments the status projection saw.

A milestone is the first time the projection saw a stage end (``validated``, ``split``,
``merge_started``, ``merged``, ``distributed``; ``arrived`` is set when validation claims
the upload). Events arrive out of order, so a stage's duration is known once both of its
ends are: each new milestone completes at most the stage before it and the stage after it.
Pure: the handler emits what :func:`completed_stages` returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

MILESTONE_OF_EVENT: dict[str, str] = {
    "recipe.validated": "validated",
    "recipe.split": "split",
    "recipe.merge_started": "merge_started",
    "recipe.merged": "merged",
    "recipe.distributed": "distributed",
}

ARRIVED = "arrived"
ORDER: tuple[str, ...] = (ARRIVED, "validated", "split", "merge_started", "merged", "distributed")
STAGES: dict[str, str] = {
    "validated": "validation",
    "split": "split",
    "merge_started": "chunks",
    "merged": "merge",
    "distributed": "distribution",
}
"""Milestone -> the stage it ends (the stage starts at the milestone before it)."""


def completed_stages(before: Mapping[str, datetime], name: str, at: datetime) -> list[tuple[str, float]]:
    """``(stage, milliseconds)`` for the stages that recording milestone ``name`` completes.

    Nothing when ``name`` was already recorded (a redelivered event) or is unknown.
    """
    if name in before or name not in ORDER:
        return []
    after = {**before, name: at}
    index = ORDER.index(name)
    pairs = [(ORDER[index - 1], name)] if index > 0 else []
    if index + 1 < len(ORDER):
        pairs.append((name, ORDER[index + 1]))
    return [(STAGES[end], _ms(after[start], after[end])) for start, end in pairs if start in after and end in after]


def end_to_end_ms(milestones: Mapping[str, datetime], distributed_at: datetime) -> float | None:
    """Upload complete (the object arrived) -> ``DISTRIBUTED``, when the arrival is known."""
    arrived = milestones.get(ARRIVED)
    return None if arrived is None else _ms(arrived, distributed_at)


def _ms(start: datetime, end: datetime) -> float:
    # Clocks of different functions may disagree by a little: never a negative duration.
    return round(max(0.0, (end - start).total_seconds() * 1000), 3)
