"""Operator commands that talk to AWS directly: ``dlq list``, ``dlq redrive``, ``trace``.

They use boto3 at ``CIRCULION_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL`` (the local emulator,
as the operator role ``circulion-operator``) or real AWS with the caller's credentials;
the upload API is not involved.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from circulion_cli import render
from circulion_cli.config import CliConfig
from circulion_cli.console import OK, Io
from circulion_cli.dlq import DeadLetterQueues
from circulion_cli.errors import AwsAccessFailed, TraceUnavailable

T = TypeVar("T")

# The local stack's root key; used only with an endpoint URL and no credentials configured.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
OPERATOR_ROLE_ARN = "arn:aws:iam::123456789012:role/circulion-operator"
"""Locally, the SRE commands run as this role (deploy/operator_role.py), not as the root key."""


def aws_client(config: CliConfig, service: str) -> Any:
    """A client for ``service``: the caller's credentials on AWS; the operator role locally.

    Against the local emulator (an endpoint URL with no credentials, or the root key
    ``testing``) the commands assume :data:`OPERATOR_ROLE_ARN`, so they need exactly the
    rights an operator's role has on AWS.
    """
    import boto3

    session = boto3.session.Session(region_name=config.region)
    kwargs: dict[str, Any] = {"endpoint_url": config.endpoint_url}
    if config.endpoint_url and _local_root(session):
        kwargs.update(_operator_credentials(config.endpoint_url, config.region))
    return session.client(service, **kwargs)


def _local_root(session: Any) -> bool:
    credentials = session.get_credentials()
    return credentials is None or credentials.access_key == LOCAL_CREDENTIALS["aws_access_key_id"]


@functools.cache
def _operator_credentials(endpoint_url: str, region: str) -> dict[str, str]:
    import boto3

    sts = boto3.client("sts", endpoint_url=endpoint_url, region_name=region, **LOCAL_CREDENTIALS)
    answer = sts.assume_role(RoleArn=OPERATOR_ROLE_ARN, RoleSessionName="circulion-cli")["Credentials"]
    return {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }


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
