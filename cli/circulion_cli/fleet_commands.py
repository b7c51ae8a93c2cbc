"""The fleet sub-commands: ``pull`` (robots), ``names``, ``versions``, ``withdraw``, ``restore``.

Registered by :func:`add_fleet_commands` so the parser in ``main`` only gains one call.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from circulion_cli.commands import client_for
from circulion_cli.config import CliConfig
from circulion_cli.console import OK, Io
from circulion_cli.errors import ConnectionFailed, NotFound, ServerError
from circulion_cli.fleet_models import NameDetails, NameSummary
from circulion_cli.pull import Check, EdgeUnavailable, Puller, previous_path
from circulion_cli.render import _table as table
from circulion_cli.stop_signals import stopped_by_signals

DEFAULT_INTERVAL_S = 10.0
Sleep = Callable[[float], None]


def pull(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    """Bring FILE to the live version once, or keep it there with ``--watch``."""
    client = client_for(config)
    dest = Path(args.output) if args.output else Path(f"{args.name}.zip")
    puller = Puller(client, args.name, dest, client.transport)
    if not args.watch:
        _report(puller.check(), puller, io, as_json=args.json)
        return OK
    with stopped_by_signals():  # a supervisor's SIGTERM ends the watch as Ctrl-C does
        return watch(puller, io, interval_s=args.interval, as_json=args.json)


def watch(puller: Puller, io: Io, *, interval_s: float, as_json: bool, sleep: Sleep = time.sleep) -> int:
    """Poll until Ctrl-C (exit 0), one line per change of the live version.

    Outages (no connection, 5xx from the API or the edge) are noted and polled through; a
    download that does not verify ends the watch with exit 1, the old file in place.
    """
    io.note(f"watching {puller.name} at the edge every {interval_s:g} s (Ctrl-C stops)")
    shown: str | None = None  # the live sha256 last reported ("" for none): one line per change
    try:
        while True:
            try:
                check = puller.check()
            except NotFound:  # nothing live and no credential left to poll the edge with
                io.note(f"{puller.name}: no live version; asking again in {interval_s:g} s")
            except (ConnectionFailed, ServerError, EdgeUnavailable) as exc:  # a robot outlives outages
                io.note(f"{puller.name}: {exc.message}; trying again in {interval_s:g} s")
            else:
                live = check.pointer.sha256 if check.pointer else ""
                if live != shown:
                    _report(check, puller, io, as_json=as_json)
                    shown = live
            sleep(interval_s)
    except KeyboardInterrupt:
        return OK


def _report(check: Check, puller: Puller, io: Io, *, as_json: bool) -> None:
    if as_json:
        io.say(json.dumps(check.as_json(puller.name, puller.dest)))
    else:
        io.say(render_check(check, puller.name, puller.dest))
    io.out.flush()


def render_check(check: Check, name: str, dest: Path) -> str:
    """One line: what the edge said and what happened to the file."""
    edge = f"(edge: {check.x_cache or check.status})"
    pointer = check.pointer
    if pointer is None:
        return f"{name}: no live version at the edge; {dest} left as it is {edge}"
    if not check.replaced:
        return f"{name} {pointer.version}: {dest} is up to date {edge}"
    was = f", previous {check.previous.version} kept as {previous_path(dest)}" if check.previous else ""
    return f"{name} {pointer.version} -> {dest} (sha256 {pointer.sha256[:12]}… verified{was}) {edge}"


def names(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    items = list(client_for(config).iter_names())
    if args.json:
        io.json([item.model_dump(mode="json") for item in items])
    else:
        io.say(names_table(items))
    return OK


def versions(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    details = client_for(config).name(args.name)
    if args.json:
        io.json(details.model_dump(mode="json"))
    else:
        io.say(versions_table(details))
    return OK


def withdraw(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    recipe = client_for(config).withdraw(args.recipe_id, args.reason)
    io.say(f"withdrew {recipe.recipe_id} ({recipe.name} {recipe.version}): {recipe.status}")
    return OK


def restore(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    recipe = client_for(config).restore(args.recipe_id)
    io.say(f"restored {recipe.recipe_id} ({recipe.name} {recipe.version}): {recipe.status}")
    return OK


def names_table(items: list[NameSummary]) -> str:
    if not items:
        return "no names"
    rows = [("NAME", "LIVE", "RECIPE")]
    rows += [(i.name, i.live.version if i.live else "-", i.live.recipe_id if i.live else "") for i in items]
    return table(rows)


def versions_table(details: NameDetails) -> str:
    live = details.live.version if details.live else None
    rows = [("VERSION", "STATUS", "RECIPE", "PUBLISHED", "NOTE")]
    for v in details.versions:
        published = v.published_at.strftime("%Y-%m-%d %H:%M:%S") if v.published_at else ""
        note = "live" if v.version == live else ""
        if v.withdrawn is not None:
            note = f"withdrawn by {v.withdrawn.by} at {v.withdrawn.at:%Y-%m-%d %H:%M}: {v.withdrawn.reason}"
        rows.append((v.version, v.status, v.recipe_id, published, note))
    return f"{details.name} (live: {live or 'none'})\n" + table(rows)


def add_fleet_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    reads: argparse.ArgumentParser,
) -> None:
    p = sub.add_parser("pull", parents=[common, reads], help="keep FILE at a name's live version (robots)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("-o", "--output", metavar="FILE", help="destination (default NAME.zip; previous kept as .prev)")
    p.add_argument("--watch", action="store_true", help="keep polling the edge until Ctrl-C, one line per change")
    p.add_argument("--interval", type=_positive_float, default=DEFAULT_INTERVAL_S, metavar="S", help="poll period")
    p.set_defaults(run=pull)

    p = sub.add_parser("names", parents=[common, reads], help="your recipe names and their live versions")
    p.set_defaults(run=names)

    p = sub.add_parser("versions", parents=[common, reads], help="every version of a name, withdrawn ones too")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(run=versions)

    p = sub.add_parser("withdraw", parents=[common], help="take a distributed version back (admin)")
    p.add_argument("recipe_id", metavar="ID")
    p.add_argument("--reason", required=True, help="why (kept with the version; up to 500 characters)")
    p.set_defaults(run=withdraw)

    p = sub.add_parser("restore", parents=[common], help="undo a withdrawal (admin)")
    p.add_argument("recipe_id", metavar="ID")
    p.set_defaults(run=restore)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value}")
    return value
