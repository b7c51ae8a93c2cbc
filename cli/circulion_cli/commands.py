"""One function per ``circulion`` sub-command: parsed arguments in, exit code out.

Human output goes to stdout (results) and stderr (progress, status changes); ``--json``
prints one JSON document on stdout instead. Expected failures are raised as
:class:`~circulion_cli.errors.ClientError` and turned into one line by ``main``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TextIO

from circulion_cli import render
from circulion_cli.client import CirculionClient
from circulion_cli.config import CliConfig
from circulion_cli.errors import ClientError
from circulion_cli.models import DISTRIBUTED, Recipe
from circulion_cli.progress import ProgressBar, human_bytes
from circulion_cli.resume import ResumeStore
from circulion_cli.upload import UploadProgress

OK, FAILED_EXIT = 0, 1

CONTENT_TYPES = {
    ".json": "application/json",
    ".ndjson": "application/x-ndjson",
    ".jsonl": "application/x-ndjson",
}


class Io:
    """Where a command writes; tests pass string buffers."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def json(self, document: object) -> None:
        self.out.write(json.dumps(document, indent=2, default=str) + "\n")

    def say(self, text: str) -> None:
        self.out.write(text + "\n")

    def note(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()


def client_for(config: CliConfig) -> CirculionClient:
    return CirculionClient(config.api_url, config.token)


def guess_content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def default_name(path: Path) -> str:
    """A valid recipe name from a file name (letters, digits and ``._-``, 1-128 chars)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", path.name).strip(".-") or "recipe"
    return name[:128]


def upload(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise ClientError(f"{path}: no such file", code="file_not_found")
    client = client_for(config)
    bars: dict[str, ProgressBar] = {}

    def on_progress(event: UploadProgress) -> None:
        if args.quiet:
            return
        label = "sha256" if event.phase == "hashing" else "upload"
        if event.phase not in bars:
            for bar in bars.values():
                bar.finish()
            bars[event.phase] = ProgressBar(io.err, label)
            if event.already:
                io.note(f"resuming: {human_bytes(event.already)} already uploaded")
        bars[event.phase].update(event.done, event.total, already=event.already)

    outcome = client.upload_file(
        path,
        name=args.name or default_name(path),
        version=args.version,
        content_type=args.type or guess_content_type(path),
        resume=None if args.no_resume else ResumeStore(config.cache_dir),
        workers=args.workers,
        on_progress=on_progress,
    )
    for bar in bars.values():
        bar.finish()
    if outcome.resumed:
        io.note(f"resumed: sent {outcome.parts_sent} part(s), {outcome.parts_skipped} were already uploaded")
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
    recipe = _follow(client, outcome.recipe_id, io, quiet=args.quiet, timeout_s=args.timeout)
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

    link = client.download(args.recipe_id, dest, on_bytes=None if args.quiet else on_bytes)
    if not args.quiet:
        bar.finish()
    if args.json:
        io.json({"recipe_id": args.recipe_id, "path": str(dest), "size": link.size, "sha256": link.sha256})
    else:
        io.say(f"{dest} ({human_bytes(link.size)}, sha256 {link.sha256} verified)")
    return OK


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


def _follow(client: CirculionClient, recipe_id: str, io: Io, *, quiet: bool, timeout_s: float | None) -> Recipe:
    """Poll to a terminal status, showing status changes and a chunks bar on stderr."""
    last_status: str | None = None
    bar: ProgressBar | None = None

    def on_update(recipe: Recipe) -> None:
        nonlocal last_status, bar
        if quiet:
            return
        if recipe.status != last_status:
            if bar is not None:
                bar.finish()
                bar = None
            io.note(f"status: {recipe.status}")
            last_status = recipe.status
        total = recipe.progress.chunks_total
        if total and not recipe.terminal:
            if bar is None:
                bar = ProgressBar(io.err, "chunks", unit="items")
            bar.update(recipe.progress.chunks_done, total)

    recipe = client.wait(recipe_id, on_update=on_update, timeout_s=timeout_s)
    if bar is not None:
        bar.finish()
    return recipe


def _finish(recipe: Recipe, io: Io, *, as_json: bool) -> int:
    if as_json:
        io.json(recipe.model_dump(mode="json"))
    else:
        io.say(render.outcome(recipe))
    return OK if recipe.status == DISTRIBUTED else FAILED_EXIT
