"""Operator commands that talk to AWS directly: ``dlq list``, ``dlq redrive``, ``trace``.

They use boto3 at ``CIRCULION_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL`` (the local emulator)
or real AWS with the caller's credentials; the upload API is not involved.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from circulion_cli import render
from circulion_cli.config import CliConfig
from circulion_cli.console import OK, Io
from circulion_cli.dlq import DeadLetterQueues
from circulion_cli.errors import AwsAccessFailed, TraceUnavailable

T = TypeVar("T")

# What the emulator accepts; used only with an endpoint URL and no credentials configured.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def aws_client(config: CliConfig, service: str) -> Any:
    import boto3

    session = boto3.session.Session(region_name=config.region)
    kwargs: dict[str, Any] = {"endpoint_url": config.endpoint_url}
    # The emulator takes any credentials; a developer should not need to invent some.
    if config.endpoint_url and session.get_credentials() is None:
        kwargs.update(LOCAL_CREDENTIALS)
    return session.client(service, **kwargs)


def dlq_list(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    letters = _aws(lambda: DeadLetterQueues(aws_client(config, "sqs")).peek(queue=args.queue, recipe_id=args.recipe))
    if args.json:
        io.json([letter.as_json() for letter in letters])
    else:
        io.say(render.dead_letter_table(letters))
    return OK


def dlq_redrive(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    report = _aws(lambda: DeadLetterQueues(aws_client(config, "sqs")).redrive(queue=args.queue, recipe_id=args.recipe))
    if args.json:
        io.json(
            {
                "moved": [letter.as_json() for letter in report.moved],
                "failed": [{**letter.as_json(), "error": why} for letter, why in report.failed],
            }
        )
    else:
        io.say(render.redrive_summary(report))
    return OK if not report.failed else 1


def trace(args: argparse.Namespace, config: CliConfig, io: Io) -> int:
    try:
        from circulion_cli.trace import fetch_flow  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise TraceUnavailable(f"trace support is not installed: {exc}") from exc
    since = datetime.now(UTC) - timedelta(minutes=args.since)
    flow = _aws(lambda: fetch_flow(aws_client(config, "xray"), args.recipe_id, since))
    if args.json:
        io.json(_plain(flow))
    else:
        io.say(render.render_flow(flow))
    return OK


def _plain(value: object) -> object:
    """A flow as JSON-ready data, whether it is a dataclass or a pydantic model."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    return value


def _aws(call: Callable[[], T]) -> T:
    """Run an AWS call, turning botocore's errors into one-line CLI errors."""
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError as BotoClientError

    try:
        return call()
    except BotoClientError as exc:
        error = exc.response.get("Error", {})
        raise AwsAccessFailed(f"AWS refused: {error.get('Code', '?')}: {error.get('Message', exc)}") from exc
    except BotoCoreError as exc:
        raise AwsAccessFailed(f"AWS unreachable: {exc}") from exc
