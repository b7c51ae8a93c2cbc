"""``circulion upload``: decide what the file goes as, upload it, and say what happened.

Before a byte is read for hashing the command settles, and prints, the content type
(``--type``, the extension, else the file's content: :mod:`circulion_cli.sniff`) and the
name and version (``--name``/``--version``, else what a recipe declares about itself, else
the file name and the next version).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from circulion_cli.declared import declared_identity
from circulion_cli.errors import ClientError, Conflict, UsageError
from circulion_cli.progress import ProgressBar, human_bytes
from circulion_cli.sniff import choose_type

if TYPE_CHECKING:
    from circulion_cli.client import CirculionClient
    from circulion_cli.console import Io
    from circulion_cli.progress_events import UploadProgress
from circulion_cli.upload import UploadOutcome

DECLARED = "declared in the file; --name and --version override"


def default_name(path: Path) -> str:
    """A valid recipe name from a file name (letters, digits and ``._-``, 1-128 chars)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.name).strip(".-") or "recipe"
    return name[:128]


def checked_file(text: str) -> Path:
    """The path to upload, or a :class:`ClientError` saying why it cannot be."""
    path = Path(text)
    if path.is_dir():
        raise UsageError(f"{path} is a directory: upload one file at a time (circulion upload {path}/FILE)")
    if not path.exists():
        raise ClientError(f"{path}: no such file", code="file_not_found")
    if not path.is_file():
        raise UsageError(f"{path} is not a regular file")
    return path


def name_and_version(
    path: Path, content_type: str, name: str | None, version: str | None
) -> tuple[str, str | None, str]:
    """``(name, version, where they come from)``; ``version`` ``None`` means the next one."""
    if name:
        return name, version, "from --name"
    declared = declared_identity(path, content_type)
    if declared is not None and declared.name is not None:
        return declared.name, version or declared.version, DECLARED
    return default_name(path), version, "from the file name"


class UploadBars:
    """The hashing and upload bars; ``close`` ends the current line (also before an error)."""

    def __init__(self, io: Io, quiet: bool) -> None:
        self._io = io
        self._quiet = quiet
        self._bars: dict[str, ProgressBar] = {}

    def on_progress(self, event: UploadProgress) -> None:
        if self._quiet:
            return
        if event.phase not in self._bars:
            self.close()
            label = "sha256" if event.phase == "hashing" else "upload"
            self._bars[event.phase] = ProgressBar(self._io.err, label)
            if event.already:
                self._io.note(f"resuming: {human_bytes(event.already)} already uploaded")
        self._bars[event.phase].update(event.done, event.total, already=event.already)

    def note(self, text: str) -> None:
        self.close()
        self._io.note(text)

    def close(self) -> None:
        for bar in self._bars.values():
            bar.finish()


@contextmanager
def lines_closed(bars: UploadBars) -> Iterator[UploadBars]:
    """Whatever happens, the bar's line is ended before anything else is printed."""
    try:
        yield bars
    finally:
        bars.close()


def run_upload(client: CirculionClient, args: argparse.Namespace, io: Io, *, resume_dir: Path | None) -> UploadOutcome:
    """Upload ``args.file`` as the options say; returns the outcome (raises on failure)."""
    from circulion_cli.resume import ResumeStore

    path = checked_file(args.file)
    choice = choose_type(path, args.type)
    name, version, source = name_and_version(path, choice.content_type, args.name, args.version)
    if not args.quiet:
        io.note(choice.describe())
        io.note(f"name: {name}, version: {version or 'the next free one'} ({source})")
    with lines_closed(UploadBars(io, args.quiet)) as bars:
        try:
            outcome = client.upload_file(
                path,
                name=name,
                version=version,
                content_type=choice.content_type,
                resume=None if resume_dir is None else ResumeStore(resume_dir),
                workers=args.workers,
                on_progress=bars.on_progress,
                on_notice=bars.note,
            )
        except Conflict as exc:
            if exc.code == "version_taken" and version is not None:
                exc.hint = _next_free_hint(client, name, version, in_file=source == DECLARED)
            raise
    if outcome.resumed:
        if outcome.parts_sent == 0:
            io.note(f"nothing to send: all {outcome.parts_skipped} part(s) were already uploaded by an earlier run")
        else:
            io.note(f"resumed: sent {outcome.parts_sent} part(s), {outcome.parts_skipped} were already uploaded")
    return outcome


def _next_free_hint(client: CirculionClient, name: str, taken: str, *, in_file: bool) -> str:
    """Versions never change once created: point at the next one nobody has."""
    from circulion_cli.version_numbers import next_free_version

    try:
        versions = [recipe.version for recipe in client.iter_recipes(name=name) if recipe.name == name]
    except ClientError:
        versions = []
    free = next_free_version([*versions, taken])
    where = " or change the version in the file" if in_file else ""
    return (
        f"version {taken} of {name} exists and versions never change: pass --version {free} (the next free one){where}"
    )
