"""One ``circulion ops`` snapshot: what :mod:`circulion_cli.ops` gathers and the views draw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from circulion_cli.ops_alarms import AlarmState
from circulion_cli.ops_metrics import Percentiles
from circulion_cli.ops_queues import QueueHealth
from circulion_cli.ops_recipes import RecipeSummary


@dataclass(frozen=True)
class OpsSnapshot:
    taken_at: datetime
    where: str
    queues: list[QueueHealth]
    alarms: list[AlarmState]
    recipes: RecipeSummary
    latencies: list[Percentiles]

    @property
    def healthy(self) -> bool:
        return not any(a.state == "ALARM" for a in self.alarms) and not self.recipes.stuck

    def as_json(self) -> dict[str, object]:
        return {
            "taken_at": self.taken_at.isoformat(),
            "where": self.where,
            "healthy": self.healthy,
            "queues": [q.as_json() for q in self.queues if not q.is_dlq],
            "dlqs": [q.as_json() for q in self.queues if q.is_dlq],
            "alarms": [a.as_json() for a in self.alarms],
            "recipes": self.recipes.as_json(),
            "latency": [p.as_json() for p in self.latencies],
        }
