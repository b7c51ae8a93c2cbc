"""This run against the previous one: the headline figures side by side, each with its commit.

A run records the commit it measured (``git rev-parse HEAD``, ``+dirty`` with uncommitted
changes) and, before it overwrites ``latest.json``, the previous run's headline figures.
A regression between the two is then visible in ``latest.md`` and attributable to the
commit range between them. Scenarios are matched by name and size, so a ``--quick`` run
compared with a full one shows mostly dashes rather than a misleading change.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024
NOISE = 0.10
"""Run-to-run spread on this machine (``analysis.md``: ratios ~5 %, small recipes ~15 %):
smaller changes are not called better or worse."""
SMALL_RUNS = (
    ("small_paced", "small x{count}, paced {rate_per_s:g}/s"),
    ("offered", "small, offered {rate_per_s:g}/s for {duration_s:g} s"),
    ("small", "small x{count}, flat out"),
    ("small_paced_used", "small x{count}, paced {rate_per_s:g}/s on the used stack"),
)
"""Each small run's figures are named with the load that produced them (a --quick run's are not
compared with a full run's)."""


def commit(repo: Path = REPO) -> str:
    """The commit the code under measurement is at, ``+dirty`` if tracked files differ from it."""
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        head = _git(repo, "rev-parse", "HEAD")
        dirty = _git(repo, "status", "--porcelain", "--untracked-files=no")
        return head + ("+dirty" if dirty else "")
    return "unknown"


def figures(r: dict[str, Any]) -> dict[str, float]:
    """The headline figures of one results document, by a name that says what and in which unit."""
    found: dict[str, float] = {}
    for row in r.get("large", []):
        name = scenario_name(row)
        if row.get("status") == "DISTRIBUTED":
            found[f"{name}: processing s"] = row["processing_s"]
            if row.get("baseline_mb_s"):
                found[f"{name}: x baseline"] = round(row["processing_mb_s"] / row["baseline_mb_s"], 2)
    for key, template in SMALL_RUNS:
        run = r.get(key) or {}
        if not run:
            continue
        label = template.format(
            count=run.get("count", 0), rate_per_s=run.get("rate_per_s") or 0, duration_s=run.get("duration_s", 0)
        )
        for cut in ("p50", "p99"):
            if cut in run.get("latency_s", {}):
                found[f"{label}: {cut} s"] = run["latency_s"][cut]
        if key == "small" and run.get("recipes_per_s"):
            found[f"{label}: recipes/s"] = run["recipes_per_s"]
        if key == "small" and run.get("emulator_requests_per_recipe"):
            found[f"{label}: emulator requests per recipe"] = round(
                sum(run["emulator_requests_per_recipe"].values()), 1
            )
    return found


def scenario_name(row: dict[str, Any]) -> str:
    """``stream 1024 MiB, 2 workers``: the name a large run was asked for (older results: from its size)."""
    workers = row["chunk_workers"]
    computed = f"{row['kind']} {row['size'] / MiB:.0f} MiB, {workers} {'worker' if workers == 1 else 'workers'}"
    return str(row.get("scenario") or computed)


def previous_run(out: Path) -> dict[str, Any] | None:
    """What to compare with: the headline figures of the ``latest.json`` about to be replaced."""
    path = out / "latest.json"
    with contextlib.suppress(OSError, ValueError):
        before = json.loads(path.read_text())
        measured = before.get("commit") or _committed_in(path)
        return {"started": before.get("started"), "argv": before.get("argv"), "commit": measured} | {
            "figures": figures(before)
        }
    return None


def markdown(r: dict[str, Any]) -> list[str]:
    """The before/after table (nothing when there is no previous run)."""
    before = r.get("previous")
    if not before:
        return []
    old, new = before["figures"], figures(r)
    lines = [
        "## Compared with the previous run",
        "",
        f"Before: {before.get('started')} (`{' '.join(before.get('argv') or [])}`) at `{_short(before['commit'])}`; "
        f"now: at `{_short(r.get('commit', 'unknown'))}`. "
        f"A change within {NOISE * 100:.0f} % is run-to-run noise here; "
        f"`git log {_head(before['commit'])}..{_head(r.get('commit', ''))}` lists what changed in between.",
        "",
        f"| figure | before ({_short(before['commit'])}) | now ({_short(r.get('commit', 'unknown'))}) | change |",
        "|---|---|---|---|",
    ]
    for name in [*new, *(n for n in old if n not in new)]:
        a, b = old.get(name), new.get(name)
        lines.append(f"| {name} | {_cell(a)} | {_cell(b)} | {verdict(name, a, b)} |")
    lines.append("")
    return lines


def verdict(name: str, before: float | None, now: float | None) -> str:
    """``+12 % (worse)``-style change from ``before`` to ``now``, judged by the figure's unit.

    Examples
    --------
    >>> verdict("small, paced: p50 s", 1.0, 2.3)
    '+130 % (worse)'
    >>> verdict("small, flat out: recipes/s", 4.0, 4.2)
    '+5 %'
    """
    if before is None or now is None or before == 0:
        return "-"
    change = now / before - 1
    if abs(change) < NOISE:
        return f"{change:+.0%}".replace("%", " %")
    higher_is_better = name.endswith(("recipes/s", "x baseline"))
    better = (change > 0) == higher_is_better
    return f"{change:+.0%}".replace("%", " %") + (" (better)" if better else " (worse)")


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _short(sha: str) -> str:
    """``3a4a706`` for a full sha, keeping a ``+dirty`` or explanatory suffix."""
    head, _, rest = sha.partition("+")
    short = head[:7] if len(head) == 40 else head
    return short + (f"+{rest}" if rest else "")


def _head(sha: str) -> str:
    return _short(sha).partition("+")[0]


def _committed_in(path: Path) -> str:
    """For results written before runs recorded their commit: the commit that checked them in."""
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        sha = _git(path.parent, "log", "-1", "--format=%H", "--", path.name)
        if sha:
            return f"{sha}+results-commit"
    return "unknown"


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
