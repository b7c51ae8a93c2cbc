"""EventBridge rate expressions: ``rate(5 minutes)``.

Only rates: the project's one schedule (the merger's sweep) is a rate. A ``cron(...)``
expression is refused with a clear error rather than run; if a cron schedule ever appears,
take a maintained cron library for it instead of growing a parser here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)")
_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


class ScheduleError(ValueError):
    """A schedule expression EventBridge would reject, or that the runtime cannot run."""


@dataclass(frozen=True)
class RateSchedule:
    """Fires every ``period``, counted from when the rule was created."""

    period: timedelta

    def next_after(self, after: datetime, created: datetime) -> datetime:
        elapsed = max(after - created, timedelta(0))
        periods = elapsed // self.period + 1
        return created + periods * self.period


Schedule = RateSchedule


def parse_schedule(expression: str) -> Schedule:
    """Parse an EventBridge rate expression."""
    text = expression.strip()
    rate = _RATE.fullmatch(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            raise ScheduleError("a rate must be at least 1")
        if (value == 1) != (not unit.endswith("s")):
            raise ScheduleError(f"{text}: use the singular unit for 1 and the plural otherwise")
        return RateSchedule(value * _UNITS[unit.rstrip("s")])
    if text.startswith("cron("):
        raise ScheduleError(f"{text}: cron schedules are not run locally (only rate(...)); use a rate")
    raise ScheduleError(f"not a schedule expression: {expression!r}")
