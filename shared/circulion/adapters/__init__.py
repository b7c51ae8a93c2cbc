"""AWS behind small ports: one Protocol per role, one boto3 implementation each.

In-memory fakes of the same ports live in :mod:`circulion.testing`.
"""

from circulion.adapters.aws import AwsClients
from circulion.adapters.event_bus import EventBus, Publisher, SnsEventBus, SqsTaskQueue, TaskQueue
from circulion.adapters.object_store import ObjectInfo, ObjectStore, S3ObjectStore

__all__ = [
    "AwsClients",
    "EventBus",
    "ObjectInfo",
    "ObjectStore",
    "Publisher",
    "S3ObjectStore",
    "SnsEventBus",
    "SqsTaskQueue",
    "TaskQueue",
]
