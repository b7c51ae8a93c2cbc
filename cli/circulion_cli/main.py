"""``circulion``: the command line. Parses arguments and maps outcomes to exit codes.

Exit codes: 0 ok; 1 the operation failed or the recipe ended ``REJECTED``/``FAILED``;
2 usage error (argparse's convention); 130 interrupted (Ctrl-C; an upload can be resumed
by running the same command again).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from circulion.errors import CirculionError
from circulion_cli import commands, ops, precheck, sre, validate
from circulion_cli.config import CliConfig
from circulion_cli.console import Io
from circulion_cli.errors import UsageError
from circulion_cli.fleet_commands import add_fleet_commands
from circulion_cli.hints import detail_lines, hint_for
from circulion_cli.models import STATUSES
from circulion_cli.sniff import CONTENT_TYPES, TYPE_ALIASES

Command = Callable[[argparse.Namespace, CliConfig, Io], int]


USAGE_EXIT = 2
EPILOG = """example (with `make run` in another terminal):
  export CIRCULION_TOKEN=$(circulion dev-token --tenant acme)
  circulion upload examples/arm.ndjson --name arm --wait
  circulion list

`circulion COMMAND --help` describes a command's options."""
TYPE_HELP = (
    f"content type: {', '.join(CONTENT_TYPES)} (or {', '.join(TYPE_ALIASES)}); "
    "default: from the extension, else recognised from the content"
)

ENDPOINT_HELP = (
    "AWS endpoint (env CIRCULION_ENDPOINT_URL / AWS_ENDPOINT_URL); default the local stack, 'aws' for AWS itself"
)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--api-url", help="upload API base URL (env CIRCULION_API_URL; default the local stack)")
    common.add_argument("--token", help="bearer token (env CIRCULION_TOKEN)")
    reads = argparse.ArgumentParser(add_help=False)
    reads.add_argument("--json", action="store_true", help="print one JSON document on stdout")

    parser = argparse.ArgumentParser(
        prog="circulion",
        description="Upload and follow CIRCU-LI-ION recipes.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("upload", parents=[common, reads], help="upload a file (resumable)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--name", help="recipe name (default: the name the recipe declares, else the file name)")
    p.add_argument(
        "--version", help="MAJOR.MINOR.PATCH to create (default: the recipe's own without --name, else the next one)"
    )
    p.add_argument("--type", metavar="TYPE", help=TYPE_HELP)
    p.add_argument("--wait", action="store_true", help="follow processing until DISTRIBUTED or a terminal error")
    p.add_argument("--workers", type=_positive_int, default=4, help="parallel part uploads (default 4)")
    p.add_argument("--no-resume", action="store_true", help="neither resume nor record resumable state")
    p.add_argument("--timeout", type=float, help="give up waiting after this many seconds")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    precheck.add_arguments(p)
    p.set_defaults(run=precheck.checked(commands.upload))

    p = sub.add_parser("status", parents=[common, reads], help="show a recipe")
    p.add_argument("recipe_id", metavar="ID")
    p.add_argument("--watch", action="store_true", help="follow until a terminal status (exit 1 unless DISTRIBUTED)")
    p.add_argument("--timeout", type=float, help="give up watching after this many seconds")
    p.set_defaults(run=commands.status)

    p = sub.add_parser("list", parents=[common, reads], help="list your recipes, newest first")
    p.add_argument("--status", choices=STATUSES, metavar="STATUS", help=f"only this status: {', '.join(STATUSES)}")
    p.add_argument("--name", help="only recipes of this name (exact)")
    p.add_argument("--limit", type=_positive_int, help="at most this many (default: all)")
    p.set_defaults(run=commands.list_recipes)

    p = sub.add_parser("download", parents=[common, reads], help="download the archive, verifying its SHA-256")
    p.add_argument("recipe_id", metavar="ID")
    p.add_argument("-o", "--output", metavar="FILE", help="destination (default ID.zip)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(run=commands.download)

    p = sub.add_parser("abort", parents=[common], help="cancel an unfinished upload")
    p.add_argument("recipe_id", metavar="ID")
    p.set_defaults(run=commands.abort)

    validate.add_parser(sub, reads)
    add_fleet_commands(sub, common, reads)
    _add_sre_commands(sub, reads)
    return parser


def _add_sre_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], reads: argparse.ArgumentParser) -> None:
    aws = argparse.ArgumentParser(add_help=False)  # the commands that call AWS APIs directly
    aws.add_argument("--endpoint-url", help=ENDPOINT_HELP)
    p = sub.add_parser("trace", parents=[reads, aws], help="show one upload's flow from X-Ray")
    p.add_argument("recipe_id", metavar="ID")
    p.add_argument("--since", type=_positive_int, default=60, metavar="MINUTES", help="look back (default 60)")
    p.set_defaults(run=sre.trace)

    p = sub.add_parser("dev-token", parents=[reads], help="a token from the local stack's issuer")
    p.add_argument("--tenant", required=True, help="the tenant the token is for (any name, e.g. acme)")
    p.add_argument("--ttl", type=_positive_int, help="lifetime in seconds")
    p.add_argument("--role", choices=("uploader", "robot", "admin"), default="uploader", help="cognito:groups role")
    p.add_argument("--issuer-url", help="issuer base URL (env CIRCULION_ISSUER_URL)")
    p.set_defaults(run=commands.dev_token)

    ops.add_parser(sub, [reads, aws])

    dlq = sub.add_parser("dlq", help="dead-letter queues (SRE)")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    for action, run, text in (
        ("list", sre.dlq_list, "show what sits in each dead-letter queue and why"),
        ("redrive", sre.dlq_redrive, "move messages back to their source queues"),
    ):
        p = dlq_sub.add_parser(action, parents=[reads, aws], help=text)
        p.add_argument("--queue", help="one queue (its name, or the DLQ's; unknown names are an error)")
        p.add_argument("--recipe", metavar="ID", help="only this recipe's messages")
        p.set_defaults(run=run)


def run(argv: Sequence[str] | None = None, io: Io | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code (argparse exits 2 itself)."""
    io = io or Io()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare `circulion`: what there is, and how to start
        parser.print_help(io.err)
        return USAGE_EXIT
    flags = {name: getattr(args, name, None) for name in ("api_url", "token", "issuer_url", "endpoint_url")}
    command: Command = args.run
    try:
        config = CliConfig.from_env(**flags)
    except UsageError as exc:
        io.note(f"circulion: error: {exc.message}")
        return USAGE_EXIT
    try:
        return command(args, config, io)
    except CirculionError as exc:
        lines = [f"circulion: error: {exc.message}", *detail_lines(exc.details), f"next: {hint_for(exc, config)}"]
        io.note("\n".join(lines))
        return USAGE_EXIT if isinstance(exc, UsageError) else 1
    except KeyboardInterrupt:
        hint = "; run the same command again to resume" if args.command == "upload" else ""
        io.note(f"\ncirculion: interrupted{hint}")
        return 130
    except BrokenPipeError:  # `circulion list | head`
        return 0


def main() -> None:
    sys.exit(run())


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value}")
    return value
