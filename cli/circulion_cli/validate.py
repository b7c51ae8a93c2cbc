"""``circulion validate FILE``: the pipeline's verdict on a recipe, offline.

The checking is the shared library's :func:`~circulion.recipes.file_validation.validate_file`:
the chunk workers' code over the splitter's byte ranges, combined by the merger's rules,
run in parallel on every local core. So a file valid here is valid on upload, and every
problem is reported at the line, byte offset and step id the pipeline would give.

Exit codes: 0 valid, 1 invalid, 2 usage (no such file, unknown type).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the validation code is imported when a file is validated: a fast start-up
    from circulion.contracts.events import ValidationIssue
    from circulion.recipes.file_validation import Verdict
from circulion_cli.commands import CONTENT_TYPES
from circulion_cli.config import CliConfig
from circulion_cli.console import Io
from circulion_cli.progress import ProgressBar, human_bytes
from circulion_cli.sniff import choose_type

VALID, INVALID, USAGE = 0, 1, 2
RecipeKind = Literal["document", "stream", "asset"]
""":data:`circulion.contracts.events.RecipeKind` (a test checks they agree)."""
RECIPE_KINDS: tuple[RecipeKind, ...] = ("document", "stream", "asset")
KINDS: dict[str, RecipeKind] = {
    "application/json": "document",
    "application/x-ndjson": "stream",
    "application/octet-stream": "asset",
}
"""Content type -> kind, as the upload API assigns it."""
SHOWN_ISSUES = 50
"""Problems printed in human output (``--json`` has every one the report keeps)."""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], reads: argparse.ArgumentParser) -> None:
    """Register ``validate`` (called from :func:`circulion_cli.main.build_parser`)."""
    p = sub.add_parser("validate", parents=[reads], help="check a recipe offline exactly as the pipeline would")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--type", help="content type or kind (document, stream, asset); default from the extension")
    p.add_argument("--processes", type=int, help="parallel processes (default: every core)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(run=validate)


def kind_of(path: Path, declared: str | None) -> RecipeKind | None:
    """The kind the upload API would give ``path`` with ``declared`` as its type."""
    if declared is None:
        return KINDS.get(CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream"))
    if declared in RECIPE_KINDS:
        return declared  # type: ignore[return-value]
    return KINDS.get(declared.split(";")[0].strip().lower())


def validate(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    path = Path(args.file)
    if not path.is_file():
        io.note(f"circulion: error: {path}: no such file")
        return USAGE
    kind = kind_of(path, args.type or choose_type(path, None).content_type)  # by content too, as upload does
    if kind is None:
        io.note(f"circulion: error: unknown --type {args.type!r}; use {', '.join([*KINDS, *RECIPE_KINDS])}")
        return USAGE
    if args.processes is not None and args.processes < 1:
        io.note("circulion: error: --processes must be at least 1")
        return USAGE
    started = time.monotonic()
    verdict = run_validation(path, kind, io, quiet=args.quiet or args.json, processes=args.processes)
    seconds = time.monotonic() - started
    if args.json:
        io.json(as_json(path, kind, verdict, seconds))
    else:
        report(path, kind, verdict, seconds, io)
    return VALID if verdict.valid else INVALID


def run_validation(path: Path, kind: RecipeKind, io: Io, *, quiet: bool, processes: int | None = None) -> Verdict:
    """:func:`validate_file` with a progress bar on stderr for files of more than one chunk."""
    from circulion.recipes.file_validation import validate_file
    from circulion.recipes.limits import DIRECT_THRESHOLD_BYTES

    bar = None if quiet or path.stat().st_size <= DIRECT_THRESHOLD_BYTES else ProgressBar(io.err, "validate")
    verdict = validate_file(
        str(path),
        kind,
        processes=processes,
        on_progress=None if bar is None else bar.update,
    )
    if bar is not None:
        bar.finish()
    return verdict


def describe(path: Path, issue: ValidationIssue) -> str:
    """One problem, compiler style: ``FILE:LINE: byte N, step S: code: message``."""
    where = [f"byte {issue.byte_offset}"] if issue.byte_offset is not None else []
    if issue.step_id is not None:
        where.append(f"step {issue.step_id}")
    place = f"{path}:{issue.line}:" if issue.line is not None else f"{path}:"
    return f"{place} {', '.join(where) + ': ' if where else ''}{issue.code}: {issue.message}"


def report(path: Path, kind: RecipeKind, verdict: Verdict, seconds: float, io: Io) -> None:
    for issue in verdict.issues[:SHOWN_ISSUES]:
        io.say(describe(path, issue))
    unshown = verdict.issue_count - min(len(verdict.issues), SHOWN_ISSUES)
    if unshown > 0:
        io.say(f"... and {unshown} more problem(s) (--json lists up to {len(verdict.issues)})")
    rate = f", {human_bytes(verdict.size_bytes / seconds)}/s" if seconds > 0 and verdict.size_bytes else ""
    if kind == "asset":
        io.note(f"{path}: an asset (opaque bytes): nothing to validate")
    elif verdict.valid:
        io.note(f"{path}: valid {kind}, {verdict.record_count} record(s), {human_bytes(verdict.size_bytes)}{rate}")
    else:
        io.note(f"{path}: invalid {kind}: {verdict.issue_count} problem(s){rate}")


def as_json(path: Path, kind: RecipeKind, verdict: Verdict, seconds: float) -> dict[str, object]:
    return {
        "file": str(path),
        "kind": kind,
        "valid": verdict.valid,
        "size_bytes": verdict.size_bytes,
        "record_count": verdict.record_count,
        "issue_count": verdict.issue_count,
        "issues": [issue.model_dump(mode="json", exclude_none=True) for issue in verdict.issues],
        "seconds": round(seconds, 3),
    }
