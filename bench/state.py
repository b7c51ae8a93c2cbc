"""What the stack holds between scenarios: objects, table items, queued messages, the emulator's RSS.

The emulator keeps everything in memory and some of its answers cost more as it fills up
(a real AWS account does not slow down with its contents), so a scenario's figures depend
on what ran before it. The benchmark samples this before and after every scenario and
reports it beside the figures; sampling happens only between scenarios, never during one.
"""

from __future__ import annotations

import contextlib
from typing import Any

import psutil
from botocore.exceptions import BotoCoreError, ClientError

from bench.events import client
from bench.memory import role
from bench.stack import RunningStack


def sample(stack: RunningStack) -> dict[str, Any]:
    """Counts of the emulator's contents now (a field that cannot be read is left out)."""
    found: dict[str, Any] = {}
    with contextlib.suppress(BotoCoreError, ClientError):
        found["objects"] = _objects(client(stack.ports, "s3"))
    with contextlib.suppress(BotoCoreError, ClientError):
        found["table_items"] = _items(client(stack.ports, "dynamodb"))
    with contextlib.suppress(BotoCoreError, ClientError):
        found["queued_messages"] = _messages(client(stack.ports, "sqs"))
    found["emulator_rss_mib"] = emulator_rss_mib(stack.pid)
    return found


def emulator_rss_mib(root_pid: int) -> float:
    """Resident memory now of the emulator's processes (S3, SQS... and DynamoDB), summed."""
    total = 0
    with contextlib.suppress(psutil.Error):
        for process in psutil.Process(root_pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if role(process) == "emulator":
                    total += process.memory_info().rss
    return round(total / 2**20, 1)


def _objects(s3: Any) -> int:
    count = 0
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            count += page.get("KeyCount", 0)
    return count


def _items(dynamodb: Any) -> int:
    count = 0
    for page in dynamodb.get_paginator("list_tables").paginate():
        for name in page["TableNames"]:
            count += int(dynamodb.describe_table(TableName=name)["Table"].get("ItemCount", 0))
    return count


def _messages(sqs: Any) -> int:
    """Messages waiting or in flight in every queue (the bench's own probe queues included)."""
    count = 0
    for url in sqs.list_queues().get("QueueUrls", []):
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        count += sum(int(attributes.get(name, 0)) for name in names)
    return count
