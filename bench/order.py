"""The order the scenarios ran in, why, and what the stack held around each (report section)."""

from __future__ import annotations

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
