"""EMF lines back into metric data, and the forwarder that follows the function logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from circulion import metrics
from circulion_local.emulator.cloudwatch import percentile
from circulion_local.runtime.emf import datums_of_line
from circulion_local.runtime.metrics_forwarder import MetricsForwarder


class RecordingCloudWatch:
    """Stands in for the emulator's CloudWatch: keeps what was put, can refuse once."""

    def __init__(self, refuse: int = 0) -> None:
        self.calls: list[dict[str, Any]] = []
        self._refuse = refuse

    def put_metric_data(self, **request: Any) -> None:
        if self._refuse:
            self._refuse -= 1
            raise ConnectionError("emulator restarting")
        self.calls.append(request)


def _line(**kwargs: Any) -> bytes:
    doc = metrics.document(
        "upload",
        {"EndToEndLatency": (812.0, "Milliseconds")},
        {"kind": "document", "size_class": "small"},
        1_700_000_000.0,
        [("kind",)],
    )
    return json.dumps({**doc, **kwargs}).encode()


def test_one_datum_per_metric_and_dimension_set() -> None:
    first, second = datums_of_line(_line())
    assert first.namespace == "Circulion"
    assert first.item["MetricName"] == "EndToEndLatency" and first.item["Value"] == 812.0
    assert first.item["Unit"] == "Milliseconds"
    assert {d["Name"]: d["Value"] for d in first.item["Dimensions"]} == {
        "kind": "document",
        "service": "upload",
        "size_class": "small",
    }
    assert {d["Name"] for d in second.item["Dimensions"]} == {"kind", "service"}
    assert first.item["Timestamp"].timestamp() == 1_700_000_000.0


def test_ordinary_log_lines_and_junk_are_not_metrics() -> None:
    assert datums_of_line(b'{"level": "INFO", "message": "chunk processed"}') == []
    assert datums_of_line(b'{"_aws": broken') == []
    assert datums_of_line(b'{"_aws": {"CloudWatchMetrics": [{"Namespace": "N", "Metrics": [{"Name": "x"}]}]}}') == []


def test_the_forwarder_sends_new_lines_only_and_keeps_what_was_refused(tmp_path: Path) -> None:
    functions = tmp_path / "functions"
    functions.mkdir()
    old = functions / "upload.track_status.log"
    old.write_bytes(_line() + b"\n")  # an earlier run's line: not sent again
    cloudwatch = RecordingCloudWatch(refuse=1)
    forwarder = MetricsForwarder(cloudwatch, tmp_path)
    with old.open("ab") as handle:
        handle.write(b'{"level": "INFO"}\n' + _line() + b"\n" + _line()[:20])  # the last line is unfinished
    (functions / "splitter.process_chunk.log").write_bytes(_line() + b"\n")  # a new file: from its start
    assert forwarder.forward_once() == 0 and cloudwatch.calls == []  # refused: kept
    assert forwarder.forward_once() == 4
    (call,) = cloudwatch.calls
    assert call["Namespace"] == "Circulion" and len(call["MetricData"]) == 4
    with old.open("ab") as handle:
        handle.write(_line()[20:] + b"\n")  # the unfinished line completes
    assert forwarder.forward_once() == 2


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 50) is None


def test_the_emulator_forgets_samples_older_than_it_keeps() -> None:
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from circulion_local.emulator.cloudwatch import KEEP_S, _forget_old_samples

    now = datetime(2026, 12, 1, tzinfo=UTC)
    ages = (KEEP_S + 60, KEEP_S + 1, 10, 0)
    cloudwatch = SimpleNamespace(metric_data=[SimpleNamespace(timestamp=now - timedelta(seconds=a)) for a in ages])
    kept = cloudwatch.metric_data
    _forget_old_samples(cloudwatch, now)
    assert cloudwatch.metric_data is kept and len(kept) == 2  # in place: concurrent appends are not lost
