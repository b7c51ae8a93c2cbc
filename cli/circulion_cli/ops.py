"""``circulion ops``: is the pipeline healthy, and if not, where.

One snapshot gathers the queues (depth, in flight, oldest age), the DLQs, the alarms and
their states, the recipes by status over the last hour with the stuck ones, the per-stage
and end-to-end percentiles and the last failures. The same code reads AWS and the local
stack; only the alarm states differ: CloudWatch's own on AWS, evaluated by
:mod:`circulion_cli.ops_alarms` against an endpoint URL (the emulator evaluates nothing).

The queues are exactly the ones the pipeline consumes (:data:`circulion.pipeline_queues.CONSUMED_QUEUES`)
and their DLQs, each looked up by name: one the caller may not read fails the snapshot.
What the caller needs (the SRE operator role): ``sqs:GetQueueUrl`` and
``sqs:GetQueueAttributes`` on those queues, ``cloudwatch:DescribeAlarms``,
``cloudwatch:GetMetricData`` and ``dynamodb:Scan`` on the recipes table.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from circulion_cli.config import CliConfig
from circulion_cli.console import OK, Io
from circulion_cli.ops_alarms import read_alarms
from circulion_cli.ops_metrics import MetricReader
from circulion_cli.ops_queues import read_queues
from circulion_cli.ops_recipes import RecipeSummary, read_recipes, summarise
from circulion_cli.ops_snapshot import OpsSnapshot
from circulion_cli.stop_signals import stopped_by_signals

WINDOW = timedelta(hours=1)
DEFAULT_STUCK_AFTER_S = 300
DEFAULT_REFRESH_S = 2.0


@dataclass(frozen=True)
class OpsClients:
    sqs: Any
    cloudwatch: Any
    dynamodb: Any
    local: bool
    where: str


def take_snapshot(clients: OpsClients, stuck_after: timedelta, now: datetime | None = None) -> OpsSnapshot:
    now = now or datetime.now(UTC)
    metrics = MetricReader(clients.cloudwatch)
    rows, complete = read_recipes(clients.dynamodb, now, WINDOW)
    summary = summarise(rows, now, stuck_after, WINDOW)
    if not complete:
        summary = RecipeSummary(summary.by_status, summary.stuck, summary.failures, complete=False)
    return OpsSnapshot(
        taken_at=now,
        where=clients.where,
        queues=read_queues(clients.sqs, metrics),
        alarms=read_alarms(clients.cloudwatch, metrics, evaluate_locally=clients.local),
        recipes=summary,
        latencies=metrics.latency_percentiles(WINDOW),
    )


def clients_for(config: CliConfig) -> OpsClients:
    from circulion_cli.sre import aws_client

    return OpsClients(
        sqs=aws_client(config, "sqs"),
        cloudwatch=aws_client(config, "cloudwatch"),
        dynamodb=aws_client(config, "dynamodb"),
        local=config.endpoint_url is not None,
        where=config.endpoint_url or f"AWS {config.region}",
    )


def ops(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    """Print one snapshot (text or ``--json``), or redraw one every few seconds (``--watch``)."""
    from circulion_cli.ops_render import render_snapshot
    from circulion_cli.ops_watch import watch
    from circulion_cli.sre import _aws

    clients = clients_for(config)
    stuck_after = timedelta(seconds=args.stuck_after)
    if args.watch:
        with stopped_by_signals():
            return watch(
                lambda: _aws(lambda: take_snapshot(clients, stuck_after)), io, args.interval, as_json=args.json
            )
    snapshot = _aws(lambda: take_snapshot(clients, stuck_after))
    if args.json:
        io.json(snapshot.as_json())
    else:
        io.say(render_snapshot(snapshot))
    return OK if snapshot.healthy else 1


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """``circulion ops`` on the CLI's sub-command parser (parents: ``--json``, ``--endpoint-url``)."""
    p = sub.add_parser("ops", parents=parents, help="pipeline health: queues, DLQs, alarms, stuck recipes, latency")
    p.add_argument("--watch", action="store_true", help="redraw in place every --interval seconds (Ctrl-C stops)")
    p.add_argument(
        "--interval", type=_positive_seconds, default=DEFAULT_REFRESH_S, help="seconds between redraws (default 2)"
    )
    p.add_argument(
        "--stuck-after",
        type=_positive_seconds,
        default=DEFAULT_STUCK_AFTER_S,
        metavar="SECONDS",
        help=f"a recipe not terminal and unchanged this long is stuck (default {DEFAULT_STUCK_AFTER_S})",
    )
    p.set_defaults(run=ops)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text}")
    return value
