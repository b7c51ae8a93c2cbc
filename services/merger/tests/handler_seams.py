"""What the coordinator's handlers run against in a test: a settable clock, a checkpoint
seam that crashes or interleaves another delivery, and a capture of what they emit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from circulion.contracts.envelope import Envelope


class SimulatedCrash(BaseException):
    """The process died here: nothing after runs, the message stays in its queue.

    A ``BaseException`` so no ``except Exception`` cleanup runs, as in a real crash.
    """


CHECKPOINTS = ("recorded", "lease_taken", "part_written", "archive_written", "committed", "segments_deleted")


@dataclass
class Clock:
    now: float = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class CrashSwitch:
    """The checkpoint seam: crashes once at an armed point, or runs another delivery there
    (a second invocation overlapping the first), and checks leases never overlap."""

    armed: str | None = None
    crashes: int = 0
    interleave: tuple[str, Callable[[], None]] | None = None
    frames: list[list[bool]] = field(default_factory=list)
    overlaps: int = 0

    def __call__(self, point: str) -> None:
        if point == "lease_taken" and self.frames:
            if any(f[0] for f in self.frames[:-1]):
                self.overlaps += 1  # two invocations merging the same recipe at once
            self.frames[-1][0] = True
        if point == self.armed:
            self.armed = None
            self.crashes += 1
            raise SimulatedCrash(point)
        if self.interleave is not None and self.interleave[0] == point:
            _, other = self.interleave
            self.interleave = None
            other()


@dataclass
class Captured:
    """What the handlers published or sent, in order."""

    messages: list[Envelope] = field(default_factory=list)

    def publish(self, messages: object) -> None:
        self.messages.extend(messages)  # type: ignore[arg-type]

    def send(self, tasks: object) -> None:
        self.messages.extend(tasks)  # type: ignore[arg-type]
