"""Reading CloudWatch metrics for ``circulion ops``: one ``GetMetricData`` call per question.

The same calls work against AWS and against the local emulator (which answers percentiles
and holds ``AWS/SQS`` samples of every queue, like AWS).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

NAMESPACE = "Circulion"
STAGES = ("validation", "split", "chunks", "merge", "distribution")
KINDS = ("document", "stream", "asset")
MAX_QUERIES = 500
"""GetMetricData takes up to 500 queries per call."""


@dataclass(frozen=True)
class MetricQuery:
    """One metric statistic over a window, identified by ``key`` in the answer."""

    key: str
    namespace: str
    metric: str
    dimensions: Mapping[str, str]
    stat: str
    period_s: int


@dataclass(frozen=True)
class Percentiles:
    """p50 / p95 (milliseconds) and how many samples of one latency metric, over the window."""

    name: str
    p50_ms: float | None
    p95_ms: float | None
    samples: int

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "p50_ms": self.p50_ms, "p95_ms": self.p95_ms, "samples": self.samples}


class MetricReader:
    """``GetMetricData`` through a boto3 CloudWatch client."""

    def __init__(self, cloudwatch: Any, clock: Any = None) -> None:
        self._cloudwatch = cloudwatch
        self._clock = clock or (lambda: datetime.now(UTC))

    def series(
        self, queries: Sequence[MetricQuery], window: timedelta, *, oldest_first: bool = False
    ) -> dict[str, list[float]]:
        """Each query's values over the last ``window``, newest first (empty when no data)."""
        end = self._clock()
        start = end - window
        found: dict[str, list[float]] = {q.key: [] for q in queries}
        ids = {f"q{i}": q for i, q in enumerate(queries)}
        items = list(ids.items())
        for offset in range(0, len(items), MAX_QUERIES):
            request = [_query(query_id, query) for query_id, query in items[offset : offset + MAX_QUERIES]]
            kwargs: dict[str, Any] = {
                "MetricDataQueries": request,
                "StartTime": start,
                "EndTime": end,
                "ScanBy": "TimestampAscending" if oldest_first else "TimestampDescending",
            }
            while True:
                page = self._cloudwatch.get_metric_data(**kwargs)
                for result in page.get("MetricDataResults", []):
                    values = [float(v) for v in result.get("Values", []) if v is not None]
                    found[ids[result["Id"]].key].extend(values)
                token = page.get("NextToken")
                if not token:
                    break
                kwargs["NextToken"] = token
        return found

    def latency_percentiles(self, window: timedelta) -> list[Percentiles]:
        """Per-stage and end-to-end (per kind) p50/p95 over ``window``, as one period."""
        period = max(60, int(window.total_seconds()) // 60 * 60)
        targets: list[tuple[str, str, dict[str, str]]] = [
            (f"stage {stage}", "StageDuration", {"service": "upload", "stage": stage}) for stage in STAGES
        ]
        targets += [(f"end-to-end {kind}", "EndToEndLatency", {"service": "upload", "kind": kind}) for kind in KINDS]
        queries = [
            MetricQuery(f"{name}|{stat}", NAMESPACE, metric, dims, stat, period)
            for name, metric, dims in targets
            for stat in ("p50", "p95", "SampleCount")
        ]
        # One period as long as the window: its first datapoint covers all of it.
        values = self.series(queries, window, oldest_first=True)
        out = []
        for name, _, _ in targets:
            count = int(sum(values[f"{name}|SampleCount"]))
            p50, p95 = values[f"{name}|p50"], values[f"{name}|p95"]
            out.append(Percentiles(name, p50[0] if p50 else None, p95[0] if p95 else None, count))
        return out


def _query(query_id: str, query: MetricQuery) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": query.namespace,
                "MetricName": query.metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(query.dimensions.items())],
            },
            "Period": query.period_s,
            "Stat": query.stat,
        },
        "ReturnData": True,
    }
