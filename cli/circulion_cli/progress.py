"""Progress on stderr: a redrawn bar on a terminal, plain lines otherwise.

The bar shows done/total, percentage, rate and ETA. Rate and ETA count only what this
run did (bytes an earlier, interrupted run sent are done but were not sent now). Without
a terminal (CI, a pipe, a log) the bar prints one line per 10 % instead of carriage
returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal, TextIO

Unit = Literal["bytes", "items"]

BAR_WIDTH = 28
REDRAW_EVERY_S = 0.1
PLAIN_STEP = 10  # percent between lines when not on a terminal


def human_bytes(count: float) -> str:
    """``1536`` -> ``1.5 KiB``."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"  # pragma: no cover - the loop returns


def human_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def render(
    label: str, done: int, total: int, elapsed_s: float, *, sent_now: int, unit: Unit = "bytes", tty: bool = True
) -> str:
    """One progress line.

    Parameters
    ----------
    done, total
        Progress so far, including work an earlier run did.
    sent_now
        What this run did in ``elapsed_s``; the rate and ETA come from it alone.
    """
    fraction = 1.0 if total <= 0 else min(1.0, max(0.0, done / total))
    rate = sent_now / elapsed_s if elapsed_s > 0 else 0.0
    remaining = max(0, total - done)
    eta = human_duration(remaining / rate) if rate > 0 else "?"
    if unit == "bytes":
        amount = f"{human_bytes(done)}/{human_bytes(total)}"
        speed = f"{human_bytes(rate)}/s"
    else:
        amount = f"{done}/{total}"
        speed = f"{rate:.1f}/s"
    parts = [label, f"{fraction * 100:5.1f}%", amount, speed, f"ETA {eta}" if remaining else "done"]
    if tty:
        filled = int(BAR_WIDTH * fraction)
        parts.insert(1, "[" + "#" * filled + "." * (BAR_WIDTH - filled) + "]")
    return " ".join(parts)


class ProgressBar:
    """A bar for one phase of work, drawn on ``stream``."""

    def __init__(
        self,
        stream: TextIO,
        label: str,
        *,
        unit: Unit = "bytes",
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._label = label
        self._unit: Unit = unit
        self._tty = stream.isatty() if tty is None else tty
        self._clock = clock
        self._started = clock()
        self._last_draw = float("-inf")
        self._last_step = -1
        self._baseline: int | None = None
        self._done = 0
        self._total = 0
        self._finished = False

    def update(self, done: int, total: int, *, already: int | None = None) -> None:
        """Record progress; redraws at most every 0.1 s (or every 10 % without a tty)."""
        if self._baseline is None:
            self._baseline = done if already is None else already
        self._done, self._total = done, total
        now = self._clock()
        if self._tty:
            if now - self._last_draw >= REDRAW_EVERY_S or done >= total:
                self._last_draw = now
                self._stream.write("\r" + self._line(now) + "\x1b[K")
                self._stream.flush()
            return
        step = 100 if total <= 0 else int(done * 100 / total) // PLAIN_STEP * PLAIN_STEP
        if step > self._last_step:
            self._last_step = step
            self._stream.write(self._line(now) + "\n")
            self._stream.flush()

    def finish(self) -> None:
        """Draw the final state and end the line."""
        if self._finished:
            return
        self._finished = True
        if self._tty:
            self._stream.write("\r" + self._line(self._clock()) + "\x1b[K\n")
            self._stream.flush()
        elif self._last_step < 100 and self._done >= self._total:
            self._stream.write(self._line(self._clock()) + "\n")
            self._stream.flush()

    def _line(self, now: float) -> str:
        sent_now = self._done - (self._baseline or 0)
        return render(
            self._label,
            self._done,
            self._total,
            now - self._started,
            sent_now=sent_now,
            unit=self._unit,
            tty=self._tty,
        )
