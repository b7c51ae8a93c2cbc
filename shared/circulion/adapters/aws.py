"""boto3 clients built once per process, pointed at AWS or at the local endpoint.

The same code runs in both places: only ``endpoint_url`` differs. Against the emulator S3
must use path-style addressing (there is no wildcard DNS for virtual hosts on loopback).
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

from circulion.settings import Settings

S3_READ_TIMEOUT_S = 600
"""As long as the longest function (the merger's) may run."""


class AwsClients:
    """Lazily built, cached boto3 clients for one :class:`Settings`."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._session = boto3.session.Session(region_name=settings.region)

    @functools.cache  # noqa: B019 - one instance per process; the cache is the point
    def client(self, service: str, config: Config | None = None) -> Any:
        """A client for ``service`` (``"s3"``, ``"sqs"``, ...). Returns the same one each call.

        ``config`` overrides options of the shared defaults for a client with another job
        (the upload service's presigning S3 client, the distributor's CloudFront client
        that must not retry); pass the same ``Config`` object to get the same client.
        """
        defaults = Config(
            retries={"max_attempts": 5, "mode": "standard"},
            # Completing a multi-GB multipart upload (or copying a large part) can take
            # minutes before S3 answers; with botocore's 60 s a retry races the first
            # attempt, finds the upload consumed and the merge fails although it succeeded.
            read_timeout=S3_READ_TIMEOUT_S if service == "s3" else 60,
            max_pool_connections=32,
            s3={"addressing_style": "path"} if self._settings.endpoint_url else {},
            signature_version="s3v4" if service == "s3" else None,
        )
        merged = defaults if config is None else defaults.merge(config)
        return self._session.client(service, endpoint_url=self._settings.endpoint_url, config=merged)

    def queue_url(self, queue_name: str) -> str:
        return _queue_url(self.client("sqs"), queue_name)

    def topic_arn(self, topic_name: str) -> str:
        s = self._settings
        return f"arn:aws:sns:{s.region}:{s.account_id}:{topic_name}"


@functools.cache
def _queue_url(sqs: Any, queue_name: str) -> str:
    return str(sqs.get_queue_url(QueueName=queue_name)["QueueUrl"])
