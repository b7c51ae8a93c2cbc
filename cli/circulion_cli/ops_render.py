"""``circulion ops`` as text: one screen, worst news first."""

from __future__ import annotations

from collections.abc import Sequence

from circulion_cli.ops_snapshot import OpsSnapshot


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _age(value: float | None) -> str:
    return "-" if not value else f"{value:.0f} s"


def _table(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        indent
        + "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def render_snapshot(snapshot: OpsSnapshot) -> str:
    firing = [a for a in snapshot.alarms if a.state == "ALARM"]
    stuck = snapshot.recipes.stuck
    verdict = "HEALTHY" if snapshot.healthy else f"{len(firing)} ALARM(S), {len(stuck)} STUCK"
    lines = [f"circulion ops  {snapshot.where}  {snapshot.taken_at:%Y-%m-%d %H:%M:%S} UTC  {verdict}", ""]
    queues = [q for q in snapshot.queues if not q.is_dlq]
    dlqs = [q for q in snapshot.queues if q.is_dlq]
    lines.append("QUEUES")
    lines += _table(
        [("queue", "depth", "in flight", "oldest")]
        + [(q.name, str(q.depth), str(q.in_flight), _age(q.oldest_age_s)) for q in queues]
    )
    lines.append("DEAD-LETTER QUEUES")
    lines += _table(
        [("queue", "depth", "")] + [(q.name, str(q.depth), "<- circulion dlq list" if q.depth else "") for q in dlqs]
    )
    lines.append("")
    ok = [a for a in snapshot.alarms if a.state == "OK"]
    lines.append(f"ALARMS  {len(firing)} in ALARM, {len(ok)} OK, {len(snapshot.alarms) - len(firing) - len(ok)} other")
    lines += [f"  {a.state:<17} {a.name}  {a.reason}" for a in snapshot.alarms if a.state != "OK"]
    lines.append("")
    counts = "  ".join(f"{status} {n}" for status, n in snapshot.recipes.by_status.items()) or "none"
    partial = "" if snapshot.recipes.complete else "  (table scan cut short: counts are partial)"
    lines.append(f"RECIPES changed in the last hour: {counts}{partial}")
    if stuck:
        lines.append(f"STUCK (not terminal, unchanged too long): {len(stuck)}")
        for s in stuck[:10]:
            r = s.recipe
            lines.append(
                f"  {r.recipe_id}  {r.tenant_id}  {r.status}  last stage {r.last_milestone or '-'}"
                f"  chunks {r.chunks or '-'}  idle {s.idle_s:.0f} s  -> circulion trace {r.recipe_id}"
            )
    lines.append("")
    lines.append("LATENCY over the last hour")
    lines += _table(
        [("", "p50", "p95", "samples")]
        + [(p.name, _ms(p.p50_ms), _ms(p.p95_ms), str(p.samples)) for p in snapshot.latencies]
    )
    if snapshot.recipes.failures:
        lines.append("")
        lines.append("LAST FAILURES")
        for r in snapshot.recipes.failures:
            reason = "; ".join(f"{e.get('stage', '?')}: {e.get('code', '?')}" for e in r.errors[:2]) or "-"
            lines.append(f"  {r.updated_at:%H:%M:%S}  {r.recipe_id}  {r.tenant_id}  {r.status}  {reason}")
    return "\n".join(lines)
