"""Every pipeline queue as the console shows it: depth, in flight, age of the oldest message.

Depth and in-flight counts are queue attributes (exact now); SQS has no attribute for the
oldest message's age, only the ``AWS/SQS`` metric, which AWS publishes every minute and the
local emulator samples every few seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from circulion.pipeline_queues import CONSUMED_QUEUES, DLQ_SUFFIX, dead_letter_queue
from circulion_cli.errors import QueueUnreadable
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


def read_queues(sqs: Any, metrics: MetricReader, queues: Sequence[str] = CONSUMED_QUEUES) -> list[QueueHealth]:
    """Exactly the pipeline's ``queues`` and their DLQs: consumer queues first, then the DLQs, by name.

    Not a listing by prefix: a test's probe queue or another team's ``circulion-*`` queue is
    never shown. Each queue is looked up by name, so a pipeline queue that is missing or that
    the caller may not read fails the snapshot with :class:`QueueUnreadable` instead of
    silently dropping out of it.
    """
    names = [*queues, *(dead_letter_queue(q) for q in queues)]
    ages = metrics.series(
        [
            MetricQuery(name, "AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": name}, "Maximum", 60)
            for name in names
        ],
        AGE_WINDOW,
    )
    found = []
    for name in names:
        attributes = _attributes(sqs, name)
        depth = int(attributes.get("ApproximateNumberOfMessages", 0))
        in_flight = int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0))
        age = ages.get(name) or []
        # An empty queue has no oldest message, whatever the last sample said.
        found.append(QueueHealth(name, depth, in_flight, (age[0] if age else None) if depth + in_flight else 0.0))
    return sorted(found, key=lambda q: (q.is_dlq, q.name))


_DENIED = frozenset({"AccessDenied", "AccessDeniedException"})
_MISSING = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})


def _attributes(sqs: Any, name: str) -> dict[str, str]:
    from botocore.exceptions import ClientError  # only here: the CLI starts without botocore

    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        response = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code")
        if code in _DENIED:
            raise QueueUnreadable(
                f"the pipeline queue {name} may not be read: {code}: {error.get('Message', '')}".rstrip(": "),
                hint="the operator role needs sqs:GetQueueUrl and sqs:GetQueueAttributes on every pipeline "
                "queue and DLQ (deploy/operator_role.py); run ops with that role",
                details={"queue": name, "aws_code": code},
            ) from exc
        if code in _MISSING:
            raise QueueUnreadable(
                f"the pipeline queue {name} does not exist",
                hint="deploy the infra stack (locally: `make run`), or point --endpoint-url at the right stack",
                details={"queue": name, "aws_code": code},
            ) from exc
        raise
    attributes: dict[str, str] = response["Attributes"]
    return attributes
