"""CloudWatch in the emulator, closer to AWS: percentile statistics and SQS's own metrics.

* moto 5.2.5 answers ``Stat: p99`` (and every ``pNN``) with nothing; the dashboard, the
  SLO alarm and ``circulion ops`` read percentiles, so they are computed here from the
  stored values (nearest rank, as CloudWatch does for raw values).
* AWS publishes ``AWS/SQS`` metrics per queue every minute (visible, in flight, age of the
  oldest message); moto publishes none, and the age of the oldest message is not a queue
  attribute at all. A thread in the emulator samples every queue every
  :data:`SAMPLE_EVERY_S` seconds into its CloudWatch, so the alarms and ``circulion ops``
  read the same metrics locally as on AWS. Samples older than :data:`KEEP_S` are dropped
  so a long ``make run`` does not grow without bound.

Assumed: ``Statistics`` keeps raw values in ``metric_single_values_list``; queues keep their
messages in ``_messages`` and CloudWatch its datums in ``metric_data`` (oldest first).
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from circulion_local.emulator import patches

SAMPLE_EVERY_S = 5.0
KEEP_S = 2 * 3600
QUEUE_METRICS = (
    "ApproximateNumberOfMessagesVisible",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateAgeOfOldestMessage",
)
_PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d+)?|100)")


def percentile(values: list[float], rank: float) -> float | None:
    """The nearest-rank ``rank``-th percentile of ``values`` (``None`` when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, math.ceil(rank / 100 * len(ordered)) - 1)
    return ordered[min(index, len(ordered) - 1)]


def answer_percentiles() -> None:
    """Make ``get_metric_data`` answer ``pNN`` statistics (once)."""
    from moto.cloudwatch.models import Statistics

    original: Callable[..., Any] = patches.original(Statistics, "get_statistics_for_type")

    def get_statistics_for_type(self: Any, stat: str) -> Any:
        match = _PERCENTILE.fullmatch(stat)
        if match is None:
            return original(self, stat)
        return percentile(list(self.metric_single_values_list), float(match.group(1)))

    patches.patch(Statistics, "get_statistics_for_type", get_statistics_for_type)


def sample_queues_once(now_ms: float | None = None) -> int:
    """Put one ``AWS/SQS`` sample of every queue of every account and region; returns how many queues."""
    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
    from moto.core.utils import utcnow
    from moto.sqs.models import sqs_backends

    now_ms = time.time() * 1000 if now_ms is None else now_ms
    sampled = 0
    for account_id, regions in list(sqs_backends.items()):
        for region, backend in list(regions.items()):
            queues = list(backend.queues.values())
            if not queues:
                continue
            cloudwatch = cloudwatch_backends[account_id][region]
            stamp = utcnow()
            for queue in queues:
                messages = list(queue._messages)  # the emulator's own state
                visible = [m for m in messages if m.visible and not m.delayed]
                sent = [float(m.sent_timestamp or 0) for m in messages if m.sent_timestamp]
                oldest = min(sent) if sent else None
                values = (
                    len(visible),
                    len([m for m in messages if not m.visible]),
                    0.0 if oldest is None else max(0.0, (now_ms - oldest) / 1000),
                )
                dimensions = [{"Name": "QueueName", "Value": queue.name}]
                for name, value in zip(QUEUE_METRICS, values, strict=True):
                    cloudwatch.metric_data.append(
                        MetricDatum(
                            "AWS/SQS",
                            name,
                            float(value),
                            dimensions,
                            stamp,
                            "Count" if "Age" not in name else "Seconds",
                        )
                    )
                sampled += 1
            _forget_old_samples(cloudwatch, stamp)
    return sampled


def _forget_old_samples(cloudwatch: Any, now: Any) -> None:
    """Drop the leading datums older than :data:`KEEP_S`, in place: request threads keep
    appending to the same list meanwhile, and a slice deletion is atomic under the GIL."""
    from datetime import timedelta

    cutoff = now - timedelta(seconds=KEEP_S)
    data = cloudwatch.metric_data
    old = 0
    while old < len(data) and data[old].timestamp < cutoff:
        old += 1
    if old:
        del data[:old]


def publish_queue_metrics(every_s: float = SAMPLE_EVERY_S) -> threading.Thread:
    """Start the daemon thread that samples every queue every ``every_s`` seconds."""

    def loop() -> None:
        while True:
            time.sleep(every_s)
            # A queue deleted mid-sample fails this one; the next sample is whole.
            with contextlib.suppress(Exception):
                sample_queues_once()

    thread = threading.Thread(target=loop, name="circulion-sqs-metrics", daemon=True)
    thread.start()
    return thread
