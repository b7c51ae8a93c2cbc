"""AWS behind small ports: one Protocol per role, one boto3 implementation each.

In-memory fakes of the same ports live in :mod:`circulion.testing`. The boto3 clients
come from :mod:`circulion.adapters.aws`, not re-exported here: importing a port must not
import boto3 (a service's ``chalicelib/deps.py`` imports ports only).
"""

from circulion.adapters.event_bus import EventBus, Publisher, SnsEventBus, SqsTaskQueue, TaskQueue
from circulion.adapters.object_store import ObjectInfo, ObjectStore, S3ObjectStore

__all__ = [
    "EventBus",
    "ObjectInfo",
    "ObjectStore",
    "Publisher",
    "S3ObjectStore",
    "SnsEventBus",
    "SqsTaskQueue",
    "TaskQueue",
]
