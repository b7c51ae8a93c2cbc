"""EventBridge schedule expressions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from circulion_local.runtime.schedule import RateSchedule, ScheduleError, parse_schedule

T0 = datetime(2026, 3, 2, 10, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "period"),
    [
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(1 hour)", timedelta(hours=1)),
        ("rate(2 days)", timedelta(days=2)),
    ],
)
def test_rates(expression: str, period: timedelta) -> None:
    assert parse_schedule(expression) == RateSchedule(period)


@pytest.mark.parametrize("expression", ["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "every minute"])
def test_invalid_rates_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(expression)


def test_rate_fires_one_period_after_creation_and_then_every_period() -> None:
    rate = RateSchedule(timedelta(minutes=1))
    assert rate.next_after(T0, T0) == T0 + timedelta(minutes=1)
    assert rate.next_after(T0 + timedelta(seconds=61), T0) == T0 + timedelta(minutes=2)


@pytest.mark.parametrize("expression", ["cron(0 12 * * ? *)", "cron(0/20 8,10 * * ? *)"])
def test_cron_is_refused_with_a_clear_error(expression: str) -> None:
    with pytest.raises(ScheduleError, match="cron schedules are not run locally"):
        parse_schedule(expression)
