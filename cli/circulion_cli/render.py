"""Turning client results into text for people (``--json`` bypasses all of this)."""

from __future__ import annotations

from collections.abc import Sequence

from circulion_cli.dlq import DeadLetter, RedriveReport
from circulion_cli.models import Recipe, RecipeIssue
from circulion_cli.progress import human_bytes


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


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)
