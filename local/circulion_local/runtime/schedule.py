"""EventBridge schedule expressions: ``rate(5 minutes)`` and ``cron(0 12 * * ? *)``.

Cron fields are EventBridge's six (minutes, hours, day-of-month, month, day-of-week, year;
UTC), with ``*``, ``?``, lists, ranges, steps and month/day names. Exactly one of
day-of-month and day-of-week must be ``?``, as EventBridge requires. ``L``, ``W`` and ``#``
are not supported locally and are reported as errors rather than silently misread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)")
_CRON = re.compile(r"cron\((.+)\)")
_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
_MONTHS = {
    m: i
    for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)
}
_WEEKDAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
_SEARCH_DAYS = 366 * 8  # far enough to find any valid year/leap-day combination


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


@dataclass(frozen=True)
class CronSchedule:
    """Fires on every UTC minute matching all fields; ``None`` day fields mean ``?``."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # 1 = Sunday ... 7 = Saturday, as EventBridge
    years: frozenset[int] | None

    def _day_matches(self, day: datetime) -> bool:
        if self.years is not None and day.year not in self.years:
            return False
        if day.month not in self.months:
            return False
        if self.days_of_month is not None:
            return day.day in self.days_of_month
        weekday = (day.weekday() + 1) % 7 + 1
        return self.days_of_week is not None and weekday in self.days_of_week

    def next_after(self, after: datetime, created: datetime | None = None) -> datetime:
        start = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for offset in range(_SEARCH_DAYS):
            candidate_day = day + timedelta(days=offset)
            if not self._day_matches(candidate_day):
                continue
            earliest = (start.hour, start.minute) if offset == 0 else (0, 0)
            for hour in sorted(self.hours):
                for minute in sorted(self.minutes):
                    if (hour, minute) >= earliest:
                        return candidate_day.replace(hour=hour, minute=minute)
        raise ScheduleError("the cron expression never fires")


Schedule = RateSchedule | CronSchedule


def _value(token: str, names: dict[str, int] | None) -> int:
    upper = token.upper()
    if names and upper in names:
        return names[upper]
    if not token.isdigit():
        raise ScheduleError(f"unsupported cron value {token!r}")
    return int(token)


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ScheduleError(f"bad step in {part!r}")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            first, last = _value(a, names), _value(b, names)
        else:
            first = _value(base, names)
            last = high if step_text else first
        if not low <= first <= high or not low <= last <= high or first > last:
            raise ScheduleError(f"cron value {part!r} outside {low}-{high}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _cron(fields: list[str]) -> CronSchedule:
    if len(fields) != 6:
        raise ScheduleError("cron needs six fields: minutes hours day-of-month month day-of-week year")
    minutes, hours, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleError("exactly one of day-of-month and day-of-week must be '?'")
    return CronSchedule(
        minutes=_field(minutes, 0, 59),
        hours=_field(hours, 0, 23),
        days_of_month=None if dom == "?" else _field(dom, 1, 31),
        months=_field(month, 1, 12, _MONTHS),
        days_of_week=None if dow == "?" else _field(dow, 1, 7, _WEEKDAYS),
        years=None if year == "*" else _field(year, 1970, 2199),
    )


def parse_schedule(expression: str) -> Schedule:
    """Parse an EventBridge schedule expression."""
    text = expression.strip()
    rate = _RATE.fullmatch(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1:
            raise ScheduleError("a rate must be at least 1")
        if (value == 1) != (not unit.endswith("s")):
            raise ScheduleError(f"{text}: use the singular unit for 1 and the plural otherwise")
        return RateSchedule(value * _UNITS[unit.rstrip("s")])
    cron = _CRON.fullmatch(text)
    if cron:
        return _cron(cron.group(1).split())
    raise ScheduleError(f"not a schedule expression: {expression!r}")
