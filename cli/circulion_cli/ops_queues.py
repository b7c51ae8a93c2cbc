"""Every pipeline queue as the console shows it: depth, in flight, age of the oldest message.

Depth and in-flight counts are queue attributes (exact now); SQS has no attribute for the
oldest message's age, only the ``AWS/SQS`` metric, which AWS publishes every minute and the
local emulator samples every few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from circulion_cli.dlq import DLQ_SUFFIX, QUEUE_PREFIX
from circulion_cli.ops_metrics import MetricQuery, MetricReader

AGE_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class QueueHealth:
    name: str
    depth: int
    in_flight: int
    oldest_age_s: float | None

    @property
    def is_dlq(self) -> bool:
        return self.name.endswith(DLQ_SUFFIX)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "dlq": self.is_dlq,
            "depth": self.depth,
            "in_flight": self.in_flight,
            "oldest_age_s": self.oldest_age_s,
        }


def read_queues(sqs: Any, metrics: MetricReader) -> list[QueueHealth]:
    """Every ``circulion-*`` queue, consumer queues first, then the DLQs, by name."""
    urls: list[str] = []
    kwargs: dict[str, Any] = {"QueueNamePrefix": QUEUE_PREFIX, "MaxResults": 1000}
    while True:
        page = sqs.list_queues(**kwargs)
        urls += page.get("QueueUrls", [])
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    names = {url.rsplit("/", 1)[-1]: url for url in urls}
    ages = metrics.series(
        [
            MetricQuery(name, "AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": name}, "Maximum", 60)
            for name in names
        ],
        AGE_WINDOW,
    )
    found = []
    for name, url in names.items():
        attributes = _attributes(sqs, url)
        if attributes is None:
            continue
        depth = int(attributes.get("ApproximateNumberOfMessages", 0))
        in_flight = int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))
        age = ages.get(name) or []
        # An empty queue has no oldest message, whatever the last sample said.
        found.append(QueueHealth(name, depth, in_flight, (age[0] if age else None) if depth + in_flight else 0.0))
    return sorted(found, key=lambda q: (q.is_dlq, q.name))


_NOT_OURS = {"AccessDenied", "AccessDeniedException", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
"""A ``circulion-*`` queue the operator role does not cover (a test's probe queue, another
team's), or one deleted since the listing: not the pipeline's, so not shown."""


def _attributes(sqs: Any, url: str) -> dict[str, str] | None:
    from botocore.exceptions import ClientError  # only here: the CLI starts without botocore

    try:
        response = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _NOT_OURS:
            return None
        raise
    attributes: dict[str, str] = response["Attributes"]
    return attributes
