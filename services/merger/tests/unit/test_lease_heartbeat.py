"""A short merge lease, renewed while the merge runs: a crash is taken over in about a minute,
a slow live merge is never taken over, and a record that meets the lease is contention."""

from __future__ import annotations

import dataclasses
import time

import pytest

from chalicelib import handlers, sweeping
from chalicelib.deps import Deps
from chalicelib.handlers import LeaseHeld
from chalicelib.heartbeat import LeaseHeartbeat
from chalicelib.ledger import JobState, with_lease
from chalicelib.settings import MergerSettings
from circulion.contracts.events import RecipeMerged, RecipeSplit
from circulion.errors import RetryLater
from tests.scenario import Captured, Clock, CrashSwitch
from tests.scenario import make_recipe as make
from tests.unit.test_coordinate import _crash_then_let_the_lease_expire, deliver_all

TAKEOVER_BUDGET_S = 60 + 15  # "about a minute": the lease, then the next sweep (every minute) at worst


def test_the_default_lease_is_short_and_renewed_well_inside_it() -> None:
    s = MergerSettings()
    assert s.lease_seconds <= 60
    assert s.lease_renew_every_seconds * 2 < s.lease_seconds


def test_a_crashed_merge_is_taken_over_in_about_a_minute(
    deps: Deps, out: Captured, crash: CrashSwitch, clock: Clock
) -> None:
    recipe = make(deps.objects, b"m" * 25, 10)
    crashed_at = clock.now
    _crash_then_let_the_lease_expire(recipe, "archive_written", deps, out, crash, clock)
    assert sweeping.sweep(deps).actions == {"redrive": 1}  # no stall_after wait on top of the lease
    assert clock.now - crashed_at <= TAKEOVER_BUDGET_S - 15
    (redrive,) = [m for m in out.messages if isinstance(m, RecipeSplit)]
    assert [type(m) for m in handlers.coordinate(redrive, deps)] == [RecipeMerged]


def test_a_record_meeting_a_held_lease_is_contention_retried_when_the_lease_would_expire(
    deps: Deps, out: Captured, crash: CrashSwitch, clock: Clock
) -> None:
    recipe = make(deps.objects, b"xyz" * 40, 50)
    crash.armed = "archive_written"
    with pytest.raises(BaseException, match="archive_written"):
        deliver_all(recipe, deps, out)
    clock.now += 10
    with pytest.raises(LeaseHeld) as held:
        handlers.coordinate(recipe.split, deps)
    assert isinstance(held.value, RetryLater) and held.value.abandon_when_exhausted
    assert held.value.delay_seconds == deps.settings.lease_seconds - 10 + 1  # back just after expiry


def test_a_live_merge_slower_than_its_lease_keeps_it(
    deps: Deps, out: Captured, crash: CrashSwitch, clock: Clock
) -> None:
    fast = dataclasses.replace(deps, settings=deps.settings.model_copy(update={"lease_renew_every_seconds": 0.01}))
    recipe = make(fast.objects, b"slow\n" * 60, 64)
    rival: list[BaseException] = []

    def rival_arrives_after_the_lease_would_have_expired() -> None:
        clock.now += fast.settings.lease_seconds * 3  # the merge "took" three leases
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # let the heartbeat renew against the new time
            job = fast.ledger.get(recipe.recipe_id)
            if job is not None and job.lease_expires_at is not None and job.lease_expires_at > clock.now:
                break
            time.sleep(0.01)
        try:
            handlers.coordinate(recipe.split, fast)
        except LeaseHeld as exc:
            rival.append(exc)

    crash.interleave = ("archive_written", rival_arrives_after_the_lease_would_have_expired)
    deliver_all(recipe, fast, out)

    assert [type(e) for e in rival] == [LeaseHeld]
    assert len([m for m in out.messages if isinstance(m, RecipeMerged)]) == 1
    job = fast.ledger.get(recipe.recipe_id)
    assert job is not None and job.state is JobState.MERGED


def test_a_heartbeat_that_finds_its_lease_taken_stops(deps: Deps, clock: Clock) -> None:
    recipe = make(deps.objects, b"q" * 30, 10)
    for chunk in recipe.chunks:
        handlers.coordinate(chunk, deps)
    job = deps.ledger.get(recipe.recipe_id)
    assert job is not None
    mine = deps.ledger.replace(job, with_lease(job, "me", clock.now, 45))
    assert mine is not None
    beat = LeaseHeartbeat(deps.ledger, mine, "me", lease_seconds=45, every_seconds=0.01, clock=clock)
    with beat:
        deadline = time.monotonic() + 5
        while beat.renewals == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        current = deps.ledger.get(recipe.recipe_id)
        assert current is not None
        assert deps.ledger.replace(current, with_lease(current, "thief", clock.now + 100, 45)) is not None
        while not beat.lost and time.monotonic() < deadline:
            time.sleep(0.01)
    assert beat.renewals >= 1 and beat.lost
    final = deps.ledger.get(recipe.recipe_id)
    assert final is not None and final.lease_owner == "thief"
