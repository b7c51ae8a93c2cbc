"""The local runtime behaves like Lambda's SQS event source mapping (issue 2).

These tests run their own runtime instance, not the session ``stack``: it serves only the
probe app (``fixtures/probe``, handlers that do what each message says), whose queues and
log table come from ``fixtures/probe/template.yaml`` via ``--extra-template``, so the
queues exist before the pollers start. Its port offset is the session's + 5
(``CIRCULION_PROBE_PORT_OFFSET`` overrides), so it runs beside a session stack.

What each handler saw is read back from the probe's DynamoDB table: one ``start`` item per
record per delivery (receive count, the record, its batch, the context, PID, time) and an
``end`` item when the record succeeded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import Stack, read_ready, stop_process, tail

from circulion_local.ports import LocalPorts

pytestmark = pytest.mark.stack

REPO_ROOT = Path(__file__).resolve().parents[2]
PROBE_APP = Path(__file__).resolve().parent / "fixtures" / "probe"
START_TIMEOUT_S = 180.0
WAIT_S = 90.0  # generous bounds on waiting, never asserted as speed
LAMBDA_RECORD_KEYS = {
    "messageId",
    "receiptHandle",
    "body",
    "attributes",
    "messageAttributes",
    "md5OfBody",
    "eventSource",
    "eventSourceARN",
    "awsRegion",
}
TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


class ProbeRuntime(Stack):
    """The probe runtime, with helpers to send probe messages and read what handlers saw."""

    process: subprocess.Popen[bytes]
    # Stack caches clients per instance (functools.cache on a method), which needs a hash;
    # a dataclass with eq has none, so identity it is.
    __hash__ = object.__hash__
    message_ids: dict[str, str]

    def send(self, queue: str, *actions: dict[str, Any]) -> list[str]:
        """Send one message per action (one batch call); returns their probe ids."""
        entries, ids = [], []
        for index, action in enumerate(actions):
            probe_id = f"{action.get('action', 'ok')}-{uuid.uuid4().hex[:10]}"
            ids.append(probe_id)
            entries.append({"Id": str(index), "MessageBody": json.dumps({"id": probe_id, **action})})
        sent = self.client("sqs").send_message_batch(QueueUrl=self.queue_url(queue), Entries=entries)
        for entry in sent["Successful"]:
            self.message_ids[ids[int(entry["Id"])]] = entry["MessageId"]
        return ids

    def seen(self, probe_id: str) -> list[dict[str, Any]]:
        table = self.client("dynamodb")
        items = table.query(
            TableName="circulion-probe-log",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": probe_id}},
            ConsistentRead=True,
        )["Items"]
        return [{key: next(iter(value.values())) for key, value in item.items()} for item in items]

    def starts(self, probe_id: str) -> list[dict[str, Any]]:
        return sorted((i for i in self.seen(probe_id) if i["phase"] == "start"), key=lambda i: i["sk"])

    def ends(self, probe_id: str) -> list[dict[str, Any]]:
        return [i for i in self.seen(probe_id) if i["phase"] == "end"]

    def dead_lettered(self, queue: str) -> set[str]:
        """Probe ids in ``queue``'s DLQ (peeked: the messages stay, visible again at once)."""
        sqs = self.client("sqs")
        url = self.queue_url(f"{queue}-dlq")
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
        return {json.loads(m["Body"])["id"] for m in messages}

    def wait_dead_lettered(self, queue: str, probe_ids: list[str]) -> None:
        self.wait_until(
            lambda: set(probe_ids) <= self.dead_lettered(queue) or None,
            WAIT_S,
            message=f"{probe_ids} in {queue}-dlq",
        )

    def runtime_log(self) -> str:
        return (self.state_dir / "logs" / "runtime.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProbeRuntime]:
    default = LocalPorts.from_env().offset + 5
    ports = LocalPorts(int(os.environ.get("CIRCULION_PROBE_PORT_OFFSET", default)))
    state_dir = tmp_path_factory.mktemp("circulion-probe")
    log_path = state_dir / "stack.log"
    command = [
        sys.executable, "-m", "circulion_local", "run",
        "--port-offset", str(ports.offset),
        "--state-dir", str(state_dir),
        "--services", "probe",
        "--app-dir", str(PROBE_APP),
        "--extra-template", str(PROBE_APP / "template.yaml"),
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while (ready := read_ready(state_dir)) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the probe runtime did not become ready:\n{tail(log_path)}")
            time.sleep(0.5)
        runtime = ProbeRuntime(ports=ports, state_dir=state_dir, log_path=log_path, ready=ready)
        runtime.process = process
        runtime.message_ids = {}
        yield runtime
    finally:
        stop_process(process)


def test_ready_json_lists_the_probe_functions_with_their_settings(probe: ProbeRuntime) -> None:
    functions = {f["function"]: f for f in probe.ready["functions"]}
    assert set(functions) == {"probe", "probe_slow", "probe_parallel"}
    assert functions["probe"]["concurrency"] == 1  # reserved_concurrency in the local stage
    assert functions["probe"]["batching_window_s"] == 1
    assert functions["probe_slow"]["timeout_s"] == 2  # per-function override
    assert functions["probe_parallel"]["concurrency"] == 2  # maximum_concurrency
    assert probe.ready["pid"] == probe.process.pid
    log = probe.runtime_log()
    assert "probe.probe_parallel" in log
    assert "polling circulion-probe-parallel" in log


def test_records_and_context_are_shaped_like_lambdas(probe: ProbeRuntime) -> None:
    probe_id = f"shape-{uuid.uuid4().hex[:10]}"
    probe.client("sqs").send_message(
        QueueUrl=probe.queue_url("circulion-probe"),
        MessageBody=json.dumps({"id": probe_id, "action": "ok"}),
        MessageAttributes={"type": {"DataType": "String", "StringValue": "probe.shape"}},
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": TRACE}},
    )
    probe.wait_until(lambda: probe.ends(probe_id), WAIT_S, message=f"{probe_id} handled")
    start = probe.starts(probe_id)[0]
    record = json.loads(start["record"])
    assert set(record) == LAMBDA_RECORD_KEYS
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":circulion-probe")
    assert record["awsRegion"] == "us-east-1"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["attributes"]["AWSTraceHeader"] == TRACE
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"] == {
        "type": {"stringValue": "probe.shape", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }
    context = json.loads(start["context"])
    assert context["function_name"] == "circulion-probe-local-probe"
    assert context["invoked_function_arn"].endswith(":function:circulion-probe-local-probe")
    assert 0 < context["remaining_ms"] <= 10_000
    environment = json.loads(start["environment"])
    assert environment["AWS_LAMBDA_FUNCTION_NAME"] == "circulion-probe-local-probe"
    assert environment["LAMBDA_TASK_ROOT"] is None
    assert environment["AWS_ENDPOINT_URL"] == probe.ports.endpoint_url
    assert environment["CIRCULION_STAGE"] == "local"


def test_partial_batch_failure_deletes_only_the_good_records_and_redelivers_the_rest(probe: ProbeRuntime) -> None:
    ids = probe.send("circulion-probe", *({"action": a} for a in ("ok", "fail", "ok", "fail", "ok")))
    good, bad = [i for i in ids if i.startswith("ok")], [i for i in ids if i.startswith("fail")]
    probe.wait_dead_lettered("circulion-probe", bad)
    for probe_id in good:
        # handled once and never seen again: it was deleted although its batch had failures
        assert [s["receive_count"] for s in probe.starts(probe_id)] == ["1"]
        assert len(probe.ends(probe_id)) == 1
    for probe_id in bad:
        # redelivered with an increasing receive count, then moved after maxReceiveCount (2)
        assert [s["receive_count"] for s in probe.starts(probe_id)] == ["1", "2"]
        assert probe.ends(probe_id) == []


def test_an_exception_fails_the_whole_batch(probe: ProbeRuntime) -> None:
    ids = probe.send("circulion-probe", {"action": "ok"}, {"action": "raise"}, {"action": "ok"})
    raising = ids[1]
    probe.wait_dead_lettered("circulion-probe", [raising])
    assert [s["receive_count"] for s in probe.starts(raising)] == ["1", "2"]
    first_batch = set(json.loads(probe.starts(raising)[0]["batch"]))
    mates = [p for p in ids if p != raising and probe.message_ids[p] in first_batch]
    for mate in mates:
        # nothing of the raising batch was deleted: every batch-mate was received again
        # (handled on its second delivery, or dead-lettered with the raising record)
        probe.wait_until(
            lambda m=mate: (
                any(s["receive_count"] == "2" for s in probe.starts(m)) or m in probe.dead_lettered("circulion-probe")
            ),
            WAIT_S,
            message=f"{mate} redelivered",
        )
    assert any("probe.probe " in line and " failed " in line for line in probe.runtime_log().splitlines())


def test_a_handler_past_its_timeout_is_killed_and_its_message_retried(probe: ProbeRuntime) -> None:
    (slow,) = probe.send("circulion-probe-slow", {"action": "sleep", "seconds": 30})
    probe.wait_dead_lettered("circulion-probe-slow", [slow])
    starts = probe.starts(slow)
    assert [s["receive_count"] for s in starts] == ["1", "2"]
    assert probe.ends(slow) == []
    for start in starts:  # the killed worker is gone
        with pytest.raises(ProcessLookupError):
            os.kill(int(start["pid"]), 0)
    assert any("probe.probe_slow" in line and " timeout " in line for line in probe.runtime_log().splitlines())


def test_a_crashing_worker_is_replaced_and_the_runtime_keeps_going(probe: ProbeRuntime) -> None:
    (crash,) = probe.send("circulion-probe", {"action": "exit"})
    probe.wait_dead_lettered("circulion-probe", [crash])
    crashed_pids = {s["pid"] for s in probe.starts(crash)}
    (after,) = probe.send("circulion-probe", {"action": "ok"})
    probe.wait_until(lambda: probe.ends(after), WAIT_S, message=f"{after} handled after the crash")
    assert probe.ends(after)[0]["pid"] not in crashed_pids
    assert probe.process.poll() is None
    assert any("probe.probe " in line and " crashed " in line for line in probe.runtime_log().splitlines())


def test_concurrency_never_exceeds_the_functions_limit(probe: ProbeRuntime) -> None:
    ids = probe.send("circulion-probe-parallel", *({"action": "sleep", "seconds": 1} for _ in range(6)))
    probe.wait_until(lambda: all(probe.ends(i) for i in ids), WAIT_S * 2, message="all parallel probes handled")
    intervals = []
    pids = set()
    for probe_id in ids:
        start, end = probe.starts(probe_id)[-1], probe.ends(probe_id)[0]
        intervals.append((float(start["at"]), float(end["at"])))
        pids.add(start["pid"])
    overlap = max(sum(1 for s, e in intervals if s <= t < e) for t, _ in intervals)
    assert overlap <= 2  # maximum_concurrency=2
    assert len(pids) <= 2  # warm workers are reused, one per concurrent slot


def test_ctrl_c_stops_everything(probe: ProbeRuntime) -> None:
    pids = set()
    for item in probe.client("dynamodb").scan(TableName="circulion-probe-log")["Items"]:
        pids.add(int(item["pid"]["N"]))
    stop_process(probe.process)
    assert probe.process.returncode == 0
    assert read_ready(probe.state_dir) is None
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert "circulion-local stopped" in probe.runtime_log()
