"""The offered-load scenario's pure parts: the arrival schedule and the queue depth read from events."""

from __future__ import annotations

import itertools

import pytest

from bench.driver import percentiles
from bench.offered import arrivals, max_concurrent, queue_depths


def test_arrivals_are_a_fixed_schedule_of_rate_times_duration() -> None:
    schedule = arrivals(4.0, 60.0)
    assert len(schedule) == 240
    assert schedule[0] == 0.0
    assert schedule[-1] == pytest.approx(59.75)
    gaps = {round(b - a, 9) for a, b in itertools.pairwise(schedule)}
    assert gaps == {0.25}


def test_arrivals_at_a_rate_that_does_not_divide_the_duration() -> None:
    schedule = arrivals(3.0, 2.5)
    assert schedule == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0, 4 / 3, 5 / 3, 2.0, 7 / 3])  # round(7.5) = 8


@pytest.mark.parametrize(("rate", "seconds"), [(0.0, 60.0), (4.0, 0.0), (-1.0, 10.0)])
def test_an_offered_load_needs_a_positive_rate_and_duration(rate: float, seconds: float) -> None:
    with pytest.raises(ValueError, match="positive rate and duration"):
        arrivals(rate, seconds)


def test_most_open_at_once_counts_overlaps_only() -> None:
    assert max_concurrent([]) == 0
    assert max_concurrent([(0.0, 1.0)]) == 1
    assert max_concurrent([(0.0, 1.0), (1.0, 2.0), (2.0, 3.0)]) == 1  # back to back: one at a time
    assert max_concurrent([(0.0, 10.0), (1.0, 2.0), (1.5, 3.0), (2.5, 4.0)]) == 3
    assert max_concurrent([(0.0, 5.0)] * 4) == 4


def test_a_queue_that_builds_shows_in_the_depths() -> None:
    """Arrivals every 0.25 s, each taking 0.2 s: no queue; each taking 1 s: four at once."""
    keeping_up = [{"total": (t, t + 0.2), "merge": (t + 0.1, t + 0.2)} for t in arrivals(4.0, 5.0)]
    assert queue_depths(keeping_up) == {"merge": 1, "total": 1}
    falling_behind = [{"total": (t, t + 1.0), "merge": (t + 0.1, t + 1.0)} for t in arrivals(4.0, 5.0)]
    assert queue_depths(falling_behind) == {"merge": 4, "total": 4}


def test_a_stage_some_recipes_lack_counts_the_others() -> None:
    spans = [{"total": (0.0, 1.0), "chunks": (0.5, 0.8)}, {"total": (0.2, 1.2)}]
    assert queue_depths(spans) == {"chunks": 1, "total": 2}


def test_percentiles_of_latencies() -> None:
    values = [i / 100 for i in range(1, 101)]  # 0.01 .. 1.00
    cuts = percentiles(values)
    assert cuts["p50"] == pytest.approx(0.505, abs=1e-3)
    assert cuts["p99"] == pytest.approx(0.99, abs=1e-2)
    assert cuts["max"] == 1.0
    assert percentiles([0.3]) == {}  # one value has no spread to cut
