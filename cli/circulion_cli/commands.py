"""One function per ``circulion`` sub-command: parsed arguments in, exit code out.

Human output goes to stdout (results) and stderr (progress, status changes); ``--json``
prints one JSON document on stdout instead. Expected failures are raised as
:class:`~circulion_cli.errors.ClientError` and turned into one line by ``main``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from circulion_cli import render
from circulion_cli.archive_check import check_archived_file
from circulion_cli.client import CirculionClient
from circulion_cli.config import CliConfig
from circulion_cli.console import FAILED_EXIT, OK, Io
from circulion_cli.errors import ClientError, Conflict, WaitTimedOut
from circulion_cli.follow import StatusFollower
from circulion_cli.models import ABORTED, DISTRIBUTED, REJECTED, TERMINAL, WITHDRAWN, Recipe
from circulion_cli.progress import ProgressBar, human_bytes
from circulion_cli.sniff import ASSET, EXTENSIONS
from circulion_cli.upload_command import default_name, run_upload

__all__ = ["CONTENT_TYPES", "Io", "default_name", "guess_content_type"]

CONTENT_TYPES = EXTENSIONS
"""Extension -> content type (``upload`` also recognises a recipe by its content: sniff.py)."""


def client_for(config: CliConfig) -> CirculionClient:
    return CirculionClient(config.api_url, config.token)


def guess_content_type(path: Path) -> str:
    """The content type the extension alone says (``upload`` also looks at the content)."""
    return EXTENSIONS.get(path.suffix.lower(), ASSET)


def upload(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    client = client_for(config)
    outcome = run_upload(client, args, io, resume_dir=None if args.no_resume else config.cache_dir)
    if not args.wait:
        if args.json:
            io.json(
                {
                    "recipe_id": outcome.recipe_id,
                    "sha256": outcome.sha256,
                    "parts_sent": outcome.parts_sent,
                    "parts_skipped": outcome.parts_skipped,
                    "resumed": outcome.resumed,
                }
            )
        else:
            io.say(outcome.recipe_id)
        return OK
    io.note(f"uploaded {outcome.recipe_id}; waiting for processing")
    recipe = _follow(client, outcome.recipe_id, io, quiet=args.quiet, timeout_s=args.timeout, uploaded=True)
    return _finish(recipe, io, as_json=args.json)


def status(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    client = client_for(config)
    if args.watch:
        recipe = _follow(client, args.recipe_id, io, quiet=args.json, timeout_s=args.timeout)
        return _finish(recipe, io, as_json=args.json)
    recipe = client.get(args.recipe_id)
    if args.json:
        io.json(recipe.model_dump(mode="json"))
    else:
        io.say(render.recipe_details(recipe))
    return OK


def list_recipes(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    client = client_for(config)
    if args.limit:
        recipes = client.list(status=args.status, name=args.name, limit=args.limit).items
    else:
        recipes = list(client.iter_recipes(status=args.status, name=args.name))
    if args.json:
        # The API pages ({recipes, cursor}); the CLI follows the cursor itself (or stops at
        # --limit), so its document is the recipes alone: a JSON array, newest first.
        io.json([r.model_dump(mode="json") for r in recipes])
    else:
        io.say(render.recipe_table(recipes))
    return OK


def download(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    client = client_for(config)
    dest = Path(args.output) if args.output else Path(f"{args.recipe_id}.zip")
    bar = ProgressBar(io.err, "download")
    total = 0

    def on_bytes(delta: int) -> None:
        nonlocal total
        total += delta
        bar.update(total, max(total, 1))

    try:
        link = client.download(args.recipe_id, dest, on_bytes=None if args.quiet else on_bytes)
    except Conflict as exc:
        if exc.code == "not_distributed":
            exc.hint = _not_downloadable_hint(client, args.recipe_id)
        raise
    finally:
        if not args.quiet and total:
            bar.finish()
    try:
        inner = check_archived_file(dest)
    except ClientError as exc:
        dest.unlink(missing_ok=True)  # a file that does not match its manifest is not kept
        exc.hint = f"nothing was kept; download again, and report recipe {args.recipe_id} if it happens again"
        raise
    if args.json:
        io.json(
            {
                "recipe_id": args.recipe_id,
                "path": str(dest),
                "size": link.size,
                "sha256": link.sha256,
                "file": {"name": inner.name, "size": inner.size, "sha256": inner.sha256},
            }
        )
    else:
        io.say(f"{dest} ({human_bytes(link.size)}, archive sha256 {link.sha256} verified)")
        io.say(f"  contains {inner.name} ({human_bytes(inner.size)}), sha256 {inner.sha256} verified")
    return OK


def _not_downloadable_hint(client: CirculionClient, recipe_id: str) -> str:
    status = client.get(recipe_id).status
    if status == REJECTED:
        return f"it was REJECTED, so there is nothing to download: `circulion status {recipe_id}` shows why"
    if status in TERMINAL:
        return f"it ended {status}: there is nothing to download (`circulion status {recipe_id}`)"
    return f"it is {status}, not distributed yet: wait with `circulion status {recipe_id} --watch`, then download"


def abort(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    client_for(config).abort(args.recipe_id)
    io.say(f"aborted {args.recipe_id}")
    return OK


def dev_token(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    from circulion_cli.issuer import dev_token as issue

    token = issue(config.issuer_url, args.tenant, ttl_s=args.ttl, role=args.role)
    if args.json:
        io.json({"token": token, "tenant": args.tenant})
    else:
        io.say(token)
    return OK


def _follow(
    client: CirculionClient, recipe_id: str, io: Io, *, quiet: bool, timeout_s: float | None, uploaded: bool = False
) -> Recipe:
    """Poll to a terminal status, showing status changes and a chunks bar on stderr."""
    follower = StatusFollower(io, quiet=quiet, uploaded=uploaded)
    try:
        return client.wait(recipe_id, on_update=follower.update, timeout_s=timeout_s)
    except WaitTimedOut as exc:
        exc.hint = f"it is still running: follow it with `circulion status {recipe_id} --watch`"
        raise
    finally:
        follower.close()


def _finish(recipe: Recipe, io: Io, *, as_json: bool) -> int:
    if as_json:
        io.json(recipe.model_dump(mode="json"))
    else:
        io.say(render.outcome(recipe))
        if recipe.status == REJECTED:
            io.note(f"next: fix the file and upload it again; `circulion status {recipe.recipe_id}` shows the reasons")
        elif recipe.status == WITHDRAWN:
            io.note(
                f"next: an admin withdrew this version, so it is not distributed: `circulion versions {recipe.name}`"
                f" shows the live one; an admin can undo it with `circulion restore {recipe.recipe_id}`"
            )
        elif recipe.status == ABORTED:
            io.note("next: this upload was aborted and will not be processed: upload the file again")
        elif recipe.status != DISTRIBUTED:
            io.note("next: the service failed, not the file: upload it again, or ask an operator (circulion dlq list)")
    return OK if recipe.status == DISTRIBUTED else FAILED_EXIT
