"""Metrics in CloudWatch Embedded Metric Format: one JSON log line per flush.

In Lambda, CloudWatch turns these lines into metrics with no API call; locally they are
ordinary log lines an operator can grep.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Literal

Unit = Literal["Count", "Bytes", "Milliseconds", "Seconds", "None"]

NAMESPACE = "Circulion"


def emit(
    service: str,
    name: str,
    value: float,
    unit: Unit = "Count",
    **dimensions: str,
) -> None:
    """Write one metric as an EMF document to stdout."""
    dims = {"service": service, **dimensions}
    document = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [sorted(dims)],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        **dims,
        name: value,
    }
    sys.stdout.write(json.dumps(document) + "\n")
    sys.stdout.flush()
