"""``circulion upload`` checks a recipe locally before sending it.

An invalid file is refused before the API is called (no recipe is created, no byte is
sent), with the messages ``circulion validate`` prints. Documents are always checked
(they are at most a few MiB); streams up to ``CliConfig.validate_up_to`` bytes (64 MiB
by default, ``CIRCULION_VALIDATE_UP_TO``), larger ones with ``--validate``; assets are
opaque. ``--no-validate`` skips the check. The server stays the authority either way.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from circulion_cli.config import CliConfig
from circulion_cli.console import Io
from circulion_cli.main_types import Command
from circulion_cli.progress import human_bytes
from circulion_cli.sniff import choose_type
from circulion_cli.validate import INVALID, SHOWN_ISSUES, describe, kind_of, run_validation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--validate",
        dest="validate",
        action="store_const",
        const="always",
        default="auto",
        help="validate locally first whatever the size (default: documents, and streams up to 64 MiB)",
    )
    group.add_argument(
        "--no-validate", dest="validate", action="store_const", const="never", help="send without validating locally"
    )


def checked(upload: Command) -> Command:
    """``upload``, refusing an invalid recipe before anything reaches the API."""

    def run(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
        refused = refusal(args, config, io)
        return refused if refused is not None else upload(args, config, io)

    return run


def refusal(args: argparse.Namespace, config: CliConfig, io: Io) -> int | None:
    """The exit code when the file must not be uploaded; ``None`` to go on."""
    path = Path(args.file)
    mode = getattr(args, "validate", "auto")
    if mode == "never" or not path.is_file():
        return None  # a missing file is the upload command's error to report
    kind = kind_of(path, choose_type(path, args.type).content_type)  # as upload will send it
    if kind not in ("document", "stream"):
        return None
    size = path.stat().st_size
    if mode == "auto" and kind == "stream" and size > config.validate_up_to:
        if not args.quiet:
            io.note(
                f"not validated locally ({human_bytes(size)} is above {human_bytes(config.validate_up_to)}); "
                "the server will; pass --validate to check it first"
            )
        return None
    verdict = run_validation(path, kind, io, quiet=args.quiet)
    if verdict.valid:
        return None
    for issue in verdict.issues[:SHOWN_ISSUES]:
        io.note(describe(path, issue))
    io.note(
        f"circulion: refused: {path} is not a valid {kind} ({verdict.issue_count} problem(s)); nothing was uploaded. "
        "Fix it (`circulion validate` checks again), or pass --no-validate to let the server judge."
    )
    return INVALID
