"""The coordinator's stateful test machine, with the recipes and handler seams it drives.

Imports only ``chalicelib`` and ``circulion`` so both the unit tests (fakes) and the
stack test (the emulator, loading this package by path) drive the same machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import random

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from chalicelib import handlers, sweeping
from chalicelib.deps import Deps
from chalicelib.ledger import JobState
from circulion.contracts.envelope import Envelope
from circulion.contracts.events import ProcessChunk, RecipeMerged, RecipeSplit
from circulion.errors import TransientError

# Relative, so this works both as ``tests.scenario`` (the unit tests) and as the package
# the stack test loads by path.
from .handler_seams import CHECKPOINTS, Captured, Clock, CrashSwitch, SimulatedCrash
from .recipes import ARTIFACTS_BUCKET, WORK_BUCKET, Recipe, extracted, make_recipe, segment

__all__ = [
    "ARTIFACTS_BUCKET",
    "CHECKPOINTS",
    "WORK_BUCKET",
    "Captured",
    "Clock",
    "CoordinatorMachine",
    "CrashSwitch",
    "Recipe",
    "SimulatedCrash",
    "extracted",
    "make_recipe",
    "segment",
]


class CoordinatorMachine(RuleBasedStateMachine):
    """Random deliveries, duplicates, crashes, clock jumps and sweeps of one recipe.

    Subclasses set :meth:`make_deps` (fakes, or the emulator). Invariants: every
    ``recipe.merged`` names the same archive; at the end exactly one archive exists, it
    is the upload byte for byte, and the ledger's counts match the plan.
    """

    def make_deps(self, clock: Clock, crash: CrashSwitch, captured: Captured) -> Deps:
        raise NotImplementedError

    def archive_keys(self, prefix: str) -> list[str]:
        return list(self.deps.objects.list_keys(ARTIFACTS_BUCKET, prefix))

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.crash = CrashSwitch()
        self.captured = Captured()
        self.deps = self.make_deps(self.clock, self.crash, self.captured)
        self.recipe: Recipe | None = None
        self.in_flight: list[Envelope] = []
        self.seen_published = 0

    @initialize(
        size=st.sampled_from([0, 1, 15, 16, 17]) | st.integers(min_value=0, max_value=90),
        seed=st.integers(min_value=0, max_value=2**32),
        chunk_size=st.sampled_from([7, 15, 16, 17]),
    )
    def upload(self, size: int, seed: int, chunk_size: int) -> None:
        # Sized explicitly: hypothesis' binary() favours tiny values, i.e. one chunk.
        data = random.Random(seed).randbytes(size)
        self.recipe = make_recipe(self.deps.objects, data, chunk_size)
        self.in_flight = [self.recipe.split, *self.recipe.chunks]

    @rule(pick=st.integers(min_value=0, max_value=1000))
    @precondition(lambda self: self.recipe is not None and self.in_flight)
    def deliver(self, pick: int) -> None:
        message = self.in_flight[pick % len(self.in_flight)]
        self._deliver(message)

    @rule(pick=st.integers(min_value=0, max_value=1000))
    @precondition(lambda self: self.recipe is not None)
    def duplicate(self, pick: int) -> None:
        assert self.recipe is not None
        every: list[Envelope] = [self.recipe.split, *self.recipe.chunks]
        self.in_flight.append(every[pick % len(every)])

    @rule(point=st.sampled_from(CHECKPOINTS))
    def arm_crash(self, point: str) -> None:
        self.crash.armed = point

    @rule(seconds=st.sampled_from([1.0, 30.0, 300.0, 700.0, 1000.0]))
    def advance_clock(self, seconds: float) -> None:
        self.clock.now += seconds

    @rule()
    @precondition(lambda self: self.recipe is not None)
    def sweep(self) -> None:
        with contextlib.suppress(SimulatedCrash):
            sweeping.sweep(self.deps)
        self._collect()

    @rule(point=st.sampled_from(CHECKPOINTS), pick=st.integers(min_value=0, max_value=1000))
    @precondition(lambda self: self.recipe is not None and self.in_flight)
    def overlap(self, point: str, pick: int) -> None:
        """At ``point`` of the next delivery, another invocation handles another message."""
        self.crash.interleave = (point, lambda: self._deliver(self.in_flight[pick % len(self.in_flight)]))

    def _deliver(self, message: Envelope) -> None:
        self.crash.frames.append([False])
        try:
            self._invoke(message)
        finally:
            self.crash.frames.pop()

    def _invoke(self, message: Envelope) -> None:
        try:
            outgoing = handlers.coordinate(message, self.deps)
        except SimulatedCrash:
            self._collect()
            return  # the message stays in flight; nothing it returned was published
        except TransientError:
            self._collect()
            return  # reported in batchItemFailures: redelivered later
        self.captured.publish(outgoing)
        if message in self.in_flight:
            self.in_flight.remove(message)
        self._collect()

    def _collect(self) -> None:
        """Route what was published: re-drives to the merger, tasks to a 'worker'."""
        assert self.recipe is not None
        for message in self.captured.messages[self.seen_published :]:
            if message.recipe_id != self.recipe.recipe_id:
                continue  # the sweeper also re-drives other recipes in a shared ledger
            if isinstance(message, RecipeSplit):
                self.in_flight.append(message)
            elif isinstance(message, ProcessChunk):
                self.in_flight.append(self.recipe.chunk(message.payload.chunk.index))
        self.seen_published = len(self.captured.messages)

    def merged_events(self) -> list[RecipeMerged]:
        return [m for m in self.captured.messages if isinstance(m, RecipeMerged)]

    @invariant()
    def never_two_merges_at_once(self) -> None:
        assert self.crash.overlaps == 0

    @invariant()
    def one_archive_in_every_merged_event(self) -> None:
        artifacts = {(m.payload.artifact.key, m.payload.artifact.sha256) for m in self.merged_events()}
        assert len(artifacts) <= 1, artifacts

    def teardown(self) -> None:
        if self.recipe is None:
            return
        self.crash.armed = None
        self.crash.interleave = None
        for _ in range(200):  # drain: redeliver, let leases expire, sweep
            if self.in_flight:
                waiting = len(self.in_flight)
                self._deliver(self.in_flight[0])
                if len(self.in_flight) >= waiting:
                    self.clock.now += 1000  # retried: a live lease must expire first
                continue
            job = self.deps.ledger.get(self.recipe.recipe_id)
            if job is not None and job.state is JobState.MERGED:
                break
            self.clock.now += 1000
            sweeping.sweep(self.deps)
            self._collect()
        self.check_final_state()

    def check_final_state(self) -> None:
        recipe = self.recipe
        assert recipe is not None
        job = self.deps.ledger.get(recipe.recipe_id)
        assert job is not None and job.state is JobState.MERGED, job
        total = recipe.split.payload.total_chunks
        assert job.total == total and job.done == total
        assert len(self.deps.ledger.chunks(recipe.recipe_id)) == total
        merged = self.merged_events()
        assert merged, "recipe.merged was never emitted"
        artifact = merged[0].payload.artifact
        prefix = artifact.key.rsplit("/", 1)[0] + "/"
        # Other recipes (earlier examples on a shared emulator) may share the name's prefix.
        assert [k for k in self.archive_keys(prefix) if recipe.recipe_id in k] == [artifact.key]
        assert artifact.key.endswith(f"/{recipe.recipe_id}.zip")
        blob = self.deps.objects.get_bytes(artifact.bucket, artifact.key)
        assert hashlib.sha256(blob).hexdigest() == artifact.sha256 and len(blob) == artifact.size_bytes
        _, content = extracted(blob)
        assert content == recipe.data
        event(f"chunks={total}")
        event("crashed" if self.crash.crashes else "no crash")
        event(f"recipe.merged emitted {min(len(merged), 3)}{'+' if len(merged) >= 3 else ''} times")
