"""The order the scenarios ran in, why, and what the stack held around each (report section)."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Any

WHY = (
    "Each small-recipe scenario (paced, offered load, flat out) runs on a fresh stack of its own, "
    "the large ones together on another, the one-worker stream on a third. The emulator keeps "
    "every object, item and message in memory and some of its answers get slower as it fills "
    "(an AWS account does not slow down with its contents), so a latency figure taken after "
    "2 GiB of uploads and hundreds of recipes measures the emulator's history as much as the "
    "code, and changes whenever a scenario is added before it. On fresh stacks each figure "
    "depends only on its own scenario and `--only` reproduces it. The growth is not hidden: "
    "the large stack ends with the paced run again (fewer recipes) on everything the large "
    "runs left behind, and the table shows what each stack held before and after each scenario."
)
"""Why the scenarios run in this order (``latest.md`` prints it)."""


@dataclass(frozen=True)
class StackRun:
    """One fresh stack and the scenarios run on it, in order."""

    stack: str
    scenarios: tuple[str, ...]
    chunk_workers: int = 2


def plan(parts: Set[str]) -> list[StackRun]:
    """The stacks and scenarios ``--only parts`` asks for, in the order :data:`WHY` gives.

    Examples
    --------
    >>> [run.stack for run in plan({"small", "offered", "large", "scaling"})]
    ['paced', 'offered', 'flat-out', 'large', 'one-worker']
    """
    runs = []
    if "small" in parts:
        runs.append(StackRun("paced", ("small_paced",)))
    if "offered" in parts:
        runs.append(StackRun("offered", ("offered",)))
    if "small" in parts:
        runs.append(StackRun("flat-out", ("small",)))
    large = tuple(part for part in ("large", "scaling") if part in parts)
    if large:  # the same paced load again at the end, on everything the large runs left behind
        runs.append(StackRun("large", large + (("small_paced_used",) if "small" in parts else ())))
    if "scaling" in parts:
        runs.append(StackRun("one-worker", ("one_worker",), chunk_workers=1))
    return runs


def markdown(r: dict[str, Any]) -> list[str]:
    order = r.get("order") or []
    if not order:
        return []
    lines = [
        "## Order of the scenarios and what the stack held (before -> after each)",
        "",
        WHY,
        "",
        "| # | scenario | stack (position on it) | started | seconds | S3 objects | table items "
        "| queued messages | emulator RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for number, entry in enumerate(order, 1):
        before, after = entry.get("before", {}), entry.get("after", {})
        cells = [_span(before.get(k), after.get(k)) for k in ("objects", "table_items", "queued_messages")]
        cells.append(_span(before.get("emulator_rss_mib"), after.get("emulator_rss_mib")))
        lines.append(
            f"| {number} | {entry['scenario']} | {entry['stack']} ({entry.get('on_stack', '-')}) "
            f"| {entry.get('started', '-')[11:19]} | {entry.get('seconds', '-')} | " + " | ".join(cells) + " |"
        )
    lines.append("")
    return lines


def _span(before: object, after: object) -> str:
    """``12 -> 480``; one side alone when the other could not be read."""
    shown = [("-" if v is None else f"{v:g}" if isinstance(v, float) else str(v)) for v in (before, after)]
    return " -> ".join(shown)
