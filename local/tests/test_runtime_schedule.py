"""EventBridge schedule expressions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from circulion_local.runtime.schedule import CronSchedule, RateSchedule, ScheduleError, parse_schedule

T0 = datetime(2026, 3, 2, 10, 15, 30, tzinfo=UTC)  # a Monday


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


def test_cron_daily_at_noon() -> None:
    cron = parse_schedule("cron(0 12 * * ? *)")
    assert isinstance(cron, CronSchedule)
    assert cron.next_after(T0) == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert cron.next_after(datetime(2026, 3, 2, 12, 0, tzinfo=UTC)) == datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def test_cron_steps_and_lists() -> None:
    cron = parse_schedule("cron(0/20 8,10 * * ? *)")
    assert cron.next_after(T0) == datetime(2026, 3, 2, 10, 20, tzinfo=UTC)
    assert cron.next_after(datetime(2026, 3, 2, 10, 40, tzinfo=UTC)) == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def test_cron_day_of_week_names_sunday_is_one() -> None:
    friday = parse_schedule("cron(0 18 ? * FRI *)")
    assert friday.next_after(T0) == datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    sunday = parse_schedule("cron(30 6 ? * 1 *)")
    assert sunday.next_after(T0) == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)


def test_cron_month_and_year() -> None:
    cron = parse_schedule("cron(0 0 1 JAN ? 2027)")
    assert cron.next_after(T0) == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 12 * * * *)",  # both day fields set
        "cron(0 12 ? * ? *)",  # neither
        "cron(0 12 L * ? *)",  # L is not supported locally
        "cron(0 12 * * ?)",  # five fields
        "cron(61 12 * * ? *)",
        "cron(0 12 ? * 2#1 *)",
    ],
)
def test_invalid_or_unsupported_crons_are_refused(expression: str) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(expression)


def test_cron_that_never_fires_is_an_error() -> None:
    with pytest.raises(ScheduleError):
        parse_schedule("cron(0 0 31 FEB ? *)").next_after(T0)
