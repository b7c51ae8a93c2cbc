"""Progress lines: what a terminal and a log see."""

from __future__ import annotations

import io

from circulion_cli.progress import ProgressBar, human_bytes, human_duration, render


def test_render_shows_amount_rate_and_eta() -> None:
    line = render("upload", 150 * 2**20, 300 * 2**20, 2.0, sent_now=150 * 2**20)
    assert line.startswith("upload [##############..............]  50.0%")
    assert "150.0 MiB/300.0 MiB" in line and "75.0 MiB/s" in line and "ETA 2s" in line


def test_rate_counts_only_what_this_run_sent() -> None:
    line = render("upload", 200, 300, 10.0, sent_now=100, tty=False)
    assert line == "upload  66.7% 200 B/300 B 10 B/s ETA 10s"


def test_human_units() -> None:
    assert (human_bytes(512), human_bytes(1536), human_bytes(3 * 2**30)) == ("512 B", "1.5 KiB", "3.0 GiB")
    assert (human_duration(5), human_duration(125), human_duration(3725)) == ("5s", "2m05s", "1h02m")


def test_a_terminal_gets_one_redrawn_line() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = ProgressBar(out, "upload", tty=True, clock=lambda: now[0])
    for done in range(0, 101, 10):
        now[0] += 1
        bar.update(done, 100)
    bar.finish()
    text = out.getvalue()
    assert text.count("\n") == 1 and text.count("\r") == 12
    assert "100.0%" in text.rsplit("\r", 1)[-1]


def test_a_log_gets_a_line_per_ten_percent() -> None:
    out = io.StringIO()
    bar = ProgressBar(out, "chunks", unit="items", tty=False, clock=lambda: 1.0)
    for done in range(0, 1001):
        bar.update(done, 1000)
    bar.finish()
    lines = out.getvalue().splitlines()
    assert len(lines) == 11
    assert lines[-1].startswith("chunks 100.0% 1000/1000")
