"""EMF documents (CloudWatch Embedded Metric Format) read back from log lines.

What CloudWatch Logs does in Lambda: a JSON line with an ``_aws.CloudWatchMetrics``
directive becomes one metric datum per metric and dimension set. Pure, so the forwarder
(:mod:`.metrics_forwarder`) only moves bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

EMF_MARKER = b'"_aws"'


@dataclass(frozen=True)
class Datum:
    """One ``PutMetricData`` item, with its namespace."""

    namespace: str
    item: dict[str, Any]


def datums_of_line(line: bytes) -> list[Datum]:
    """The metric data of one log line; ``[]`` for a line that is not an EMF document."""
    if EMF_MARKER not in line:
        return []
    try:
        document = json.loads(line)
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    aws = document.get("_aws")
    if not isinstance(aws, dict) or not isinstance(aws.get("CloudWatchMetrics"), list):
        return []
    timestamp = datetime.fromtimestamp(float(aws.get("Timestamp", 0)) / 1000, UTC)
    found: list[Datum] = []
    for directive in aws["CloudWatchMetrics"]:
        found.extend(_directive_datums(document, directive, timestamp))
    return found


def _directive_datums(document: dict[str, Any], directive: Any, timestamp: datetime) -> list[Datum]:
    if not isinstance(directive, dict) or not isinstance(directive.get("Namespace"), str):
        return []
    found: list[Datum] = []
    dimension_sets = directive.get("Dimensions") or [[]]
    for metric in directive.get("Metrics") or []:
        name = metric.get("Name") if isinstance(metric, dict) else None
        value = document.get(name) if isinstance(name, str) else None
        values = value if isinstance(value, list) else [value]
        numbers = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if not numbers:
            continue
        for dimension_set in dimension_sets:
            dimensions = [{"Name": key, "Value": str(document[key])} for key in dimension_set if key in document]
            if len(dimensions) != len(dimension_set):
                continue  # a dimension without a value: CloudWatch drops the set too
            item: dict[str, Any] = {
                "MetricName": name,
                "Dimensions": dimensions,
                "Timestamp": timestamp,
                "Unit": metric.get("Unit", "None"),
            }
            if len(numbers) == 1:
                item["Value"] = numbers[0]
            else:
                item["Values"] = numbers
            found.append(Datum(directive["Namespace"], item))
    return found
