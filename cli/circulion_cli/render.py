"""Turning client results into text for people (``--json`` bypasses all of this)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from circulion_cli.dlq import DeadLetter, RedriveReport
from circulion_cli.models import Recipe, RecipeIssue
from circulion_cli.progress import human_bytes

if TYPE_CHECKING:
    from circulion_cli.trace import Flow, Span

CHUNK_FUNCTION = "process_chunk"
"""The chunk workers' function, whose spans ``render_flow`` draws as one group."""
_BAR_WIDTH = 40
"""Characters of a waterfall bar (``render_flow``)."""


def issue_line(issue: RecipeIssue) -> str:
    """``- not_utf8: invalid byte (line 12, byte 4096)``.

    Places are the file's own: its lines, bytes and ``step_id``s. The chunk is the
    pipeline's, not the file's (``--json`` keeps it); it is shown only when nothing else
    says where."""
    where = []
    if issue.line is not None:
        where.append(f"line {issue.line}")
    if issue.byte_offset is not None:
        where.append(f"byte {issue.byte_offset}")
    if issue.step_id is not None:
        where.append(f"step_id {issue.step_id}")
    if issue.chunk_index is not None and not where:
        where.append(f"in chunk {issue.chunk_index}")
    head = f"{issue.code}: " if issue.code else ""
    stage = f"[{issue.stage}] " if issue.stage else ""
    return f"  - {stage}{head}{issue.message}" + (f" ({', '.join(where)})" if where else "")


def recipe_details(recipe: Recipe) -> str:
    lines = [
        f"recipe   {recipe.recipe_id}",
        f"name     {recipe.name} (version {recipe.version})",
        f"status   {recipe.status}",
    ]
    if recipe.size is not None:
        lines.append(f"size     {human_bytes(recipe.size)} ({recipe.size} bytes), {recipe.content_type or '?'}")
    if recipe.sha256:
        lines.append(f"sha256   {recipe.sha256}")
    if recipe.progress.chunks_total:
        lines.append(f"chunks   {recipe.progress.chunks_done}/{recipe.progress.chunks_total}")
    if recipe.created_at:
        lines.append(f"created  {recipe.created_at.isoformat()}")
    if recipe.updated_at:
        lines.append(f"updated  {recipe.updated_at.isoformat()}")
    if recipe.errors:
        lines.append("reasons:")
        lines += [issue_line(issue) for issue in recipe.errors]
    return "\n".join(lines)


def outcome(recipe: Recipe) -> str:
    """The last word of ``upload --wait`` / ``status --watch``."""
    text = f"{recipe.recipe_id}: {recipe.status}"
    if recipe.errors:
        text += "\n" + "\n".join(issue_line(issue) for issue in recipe.errors)
    return text


def recipe_table(recipes: Sequence[Recipe]) -> str:
    if not recipes:
        return "no recipes"
    rows = [("ID", "NAME", "VERSION", "STATUS", "SIZE", "CREATED")]
    for r in recipes:
        created = r.created_at.strftime("%Y-%m-%d %H:%M:%S") if r.created_at else ""
        size = human_bytes(r.size) if r.size is not None else ""
        rows.append((r.recipe_id, r.name, r.version, r.status, size, created))
    return _table(rows)


def dead_letter_table(letters: Sequence[DeadLetter]) -> str:
    if not letters:
        return "no messages in any dead-letter queue"
    rows = [("QUEUE", "RECIPE", "TYPE", "FUNCTION", "RECEIVES", "REASON")]
    for d in letters:
        reason = (d.reason or "(no reason: moved by SQS maxReceiveCount)").replace("\n", " ")
        rows.append(
            (d.queue, d.recipe_id or "?", d.event_type or "?", d.function or "?", str(d.receive_count), reason[:100])
        )
    return _table(rows)


def redrive_summary(report: RedriveReport) -> str:
    lines = [f"moved {d.queue} -> {d.source_queue}: {d.recipe_id or '?'} {d.event_type or ''}" for d in report.moved]
    lines += [f"NOT moved {d.queue} ({d.recipe_id or '?'}): {why}" for d, why in report.failed]
    lines.append(f"{len(report.moved)} message(s) redriven, {len(report.failed)} left in place")
    return "\n".join(lines)


def render_flow(flow: Flow) -> str:
    """The flow as a text waterfall, chunk workers grouped, then where the time went."""
    # Only the workers: the merger and the status projection also see chunk-indexed messages.
    chunks = [s for s in flow.spans if s.function == CHUNK_FUNCTION]
    chunk_ids = {s.id for s in chunks}
    others = [s for s in flow.spans if s.id not in chunk_ids]
    lines = [
        f"recipe {flow.recipe_id}: {len(flow.spans)} spans in {len(flow.trace_ids)} trace(s) "
        f"({', '.join(flow.trace_ids)}); {flow.total:.3f} s from first start to last end",
        f"{'offset':>9} {'duration':>9}  {'service':<12}{'function':<18}{'':<{_BAR_WIDTH + 2}}status",
    ]
    group_drawn = False
    for span in others:
        if chunks and not group_drawn and chunks[0].start <= span.start:
            lines += _chunk_group(flow, chunks)
            group_drawn = True
        lines.append(_row(flow, span, span.service, span.function))
    if chunks and not group_drawn:
        lines += _chunk_group(flow, chunks)
    lines += ["", "where the time went (wall clock, overlapping spans counted once):"]
    lines += _time_budget(flow)
    failures = [s for s in flow.spans if s.failed]
    if failures:
        lines += ["", "errors:"]
        for span in failures:
            kind = "fault" if span.fault else "error"
            where = f"{span.stage}" + (f" chunk {span.chunk_index}" if span.chunk_index is not None else "")
            lines.append(f"  {kind} in {where} at +{span.start - flow.start:.3f}s (segment {span.id})")
            lines += [f"    {cause}" for cause in span.causes or ("(no cause recorded)",)]
    return "\n".join(lines)


def _chunk_group(flow: Flow, chunks: list[Span]) -> list[str]:
    # Imported here, as ``sre.trace`` imports the fetching: no other command's start-up pays for it.
    from circulion_cli.trace import max_parallelism

    first, last = min(s.start for s in chunks), max(s.end for s in chunks)
    busy = sum(s.duration for s in chunks)
    header = (
        f"{first - flow.start:>+8.3f}s {last - first:>8.3f}s  chunk workers: {len(chunks)} chunks, "
        f"up to {max_parallelism(chunks)} in parallel, {busy:.3f} s busy "
        f"(x{busy / (last - first) if last > first else 1:.1f} over their wall clock)"
    )
    ordered = sorted(chunks, key=lambda s: (s.chunk_index if s.chunk_index is not None else -1, s.start))
    label = [f"  chunk {s.chunk_index}" if s.chunk_index is not None else f"  {s.function}" for s in ordered]
    return [header] + [_row(flow, s, s.service, name) for s, name in zip(ordered, label, strict=True)]


def _row(flow: Flow, span: Span, service: str, function: str) -> str:
    scale = _BAR_WIDTH / flow.total if flow.total > 0 else 0.0
    offset = int((span.start - flow.start) * scale)
    width = max(1, round(span.duration * scale))
    bar = ("." * offset + ("!" if span.failed else "#") * width)[:_BAR_WIDTH].ljust(_BAR_WIDTH)
    status = "FAULT" if span.fault else "ERROR" if span.error else "in progress" if span.in_progress else "ok"
    return f"{span.start - flow.start:>+8.3f}s {span.duration:>8.3f}s  {service:<12}{function:<18}|{bar}| {status}"


def _time_budget(flow: Flow) -> list[str]:
    from circulion_cli.trace import covered

    stages: dict[str, list[Span]] = {}
    for span in flow.spans:
        stages.setdefault(span.stage, []).append(span)
    total = flow.total or 1.0
    lines = []
    for stage, spans in sorted(stages.items(), key=lambda item: min(s.start for s in item[1])):
        wall = covered(spans)
        busy = sum(s.duration for s in spans)
        extra = f" ({len(spans)} spans, {busy:.3f} s busy)" if len(spans) > 1 else ""
        lines.append(f"  {stage:<30}{wall:>9.3f} s {100 * wall / total:>5.1f}%{extra}")
    idle = flow.total - covered(flow.spans)
    lines.append(f"  {'between spans (queues, polling)':<30}{idle:>9.3f} s {100 * idle / total:>5.1f}%")
    lines.append(f"  {'total':<30}{flow.total:>9.3f} s")
    return lines


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)
