"""Chaos (off by default): the spec, the per-batch decisions, the kill, the fast profile."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from circulion_local.__main__ import _parser, options_from
from circulion_local.chaos import LOG_PATTERN, Chaos, ChaosConfig, ChaosSpecError, parse_chaos
from circulion_local.chaos.injector import Duplicated, duplicate_request
from circulion_local.runtime.fast_redelivery import fast_function, visibility_parameters
from circulion_local.runtime.functions import FunctionSettings, FunctionSpec, SqsTrigger
from circulion_local.runtime.worker_process import WorkerProcess


def _message(n: int, receive_count: int = 1) -> dict[str, Any]:
    return {
        "MessageId": f"m{n}",
        "ReceiptHandle": f"r{n}",
        "Body": f'{{"n": {n}}}',
        "Attributes": {"ApproximateReceiveCount": str(receive_count), "AWSTraceHeader": "Root=1-abc-def"},
        "MessageAttributes": {"type": {"DataType": "String", "StringValue": "chunk.processed"}},
    }


# --- the spec -------------------------------------------------------------------------------


def test_chaos_is_off_by_default_and_for_empty_specs() -> None:
    for spec in (None, "", "  ", "off"):
        assert not parse_chaos(spec).enabled
    assert not ChaosConfig().targets("merger.coordinate")


def test_a_full_spec_is_parsed() -> None:
    config = parse_chaos(
        "kill=0.05, duplicate=0.1,delay=0.2,delay_max=4,kill_window=2.5,attempts=1,only=a.b+c.d", seed=7
    )
    assert (config.kill, config.duplicate, config.delay) == (0.05, 0.1, 0.2)
    assert (config.delay_max_s, config.kill_window_s, config.attempts, config.seed) == (4.0, 2.5, 1, 7)
    assert config.targets("a.b") and config.targets("c.d") and not config.targets("e.f")


@pytest.mark.parametrize("spec", ["kill", "explode=0.1", "kill=lots", "kill=1.5", "delay=-0.1", "delay_max=-1"])
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(ChaosSpecError):
        parse_chaos(spec)


def test_the_command_line_and_the_environment_switch_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CIRCULION_CHAOS", raising=False)
    off = options_from(_parser().parse_args(["run", "--port-offset", "1"]))
    assert not off.chaos.enabled and off.fast_redelivery_s is None and not off.attach_emulator
    monkeypatch.setenv("CIRCULION_CHAOS", "delay=0.5")
    monkeypatch.setenv("CIRCULION_CHAOS_SEED", "3")
    from_env = options_from(_parser().parse_args(["run", "--port-offset", "1"]))
    assert from_env.chaos.delay == 0.5 and from_env.chaos.seed == 3
    args = ["run", "--port-offset", "1", "--chaos", "kill=1", "--chaos-seed", "9", "--fast-redelivery"]
    flagged = options_from(_parser().parse_args([*args, "--attach-emulator"]))
    assert flagged.chaos.kill == 1.0 and flagged.chaos.delay == 0.0 and flagged.chaos.seed == 9
    assert flagged.fast_redelivery_s == 30 and flagged.attach_emulator


# --- decisions ------------------------------------------------------------------------------


def test_certain_faults_hit_every_exposed_message() -> None:
    chaos = Chaos(ChaosConfig(kill=1.0, duplicate=1.0, delay=1.0, delay_max_s=5, seed=1), "s.f")
    plan = chaos.plan([_message(1), _message(2)])
    assert plan.invoke == ()  # both held back
    assert [d.message["MessageId"] for d in plan.delayed] == ["m1", "m2"]
    assert all(1 <= d.seconds <= 5 for d in plan.delayed)
    assert [d.message["MessageId"] for d in plan.duplicated] == ["m1", "m2"]
    assert plan.kill_after_s is None  # nothing left to invoke: nothing to kill


def test_a_kill_is_planned_within_the_window() -> None:
    plan = Chaos(ChaosConfig(kill=1.0, kill_window_s=0.5, seed=2), "s.f").plan([_message(1)])
    assert plan.invoke and plan.kill_after_s is not None and 0 <= plan.kill_after_s < 0.5


def test_late_attempts_are_spared_so_chaos_alone_never_dead_letters() -> None:
    chaos = Chaos(ChaosConfig(kill=1.0, duplicate=1.0, delay=1.0, attempts=2, seed=3), "s.f")
    plan = chaos.plan([_message(1, receive_count=3), _message(2, receive_count=4)])
    assert len(plan.invoke) == 2 and not plan.delayed and not plan.duplicated and plan.kill_after_s is None
    mixed = chaos.plan([_message(3, receive_count=1), _message(4, receive_count=3)])
    assert [m["MessageId"] for m in mixed.invoke] == ["m4"] and mixed.kill_after_s is None


def test_untargeted_functions_and_chaos_off_pass_batches_through() -> None:
    batch = [_message(1), _message(2)]
    for chaos in (Chaos(ChaosConfig(), "s.f"), Chaos(ChaosConfig(kill=1.0, only=frozenset({"x.y"})), "s.f")):
        plan = chaos.plan(batch)
        assert list(plan.invoke) == batch and not plan.delayed and not plan.duplicated and plan.kill_after_s is None


def test_rates_follow_the_probabilities_and_the_seed_repeats_them() -> None:
    config = ChaosConfig(duplicate=0.2, delay=0.1, seed=42)
    batch = [_message(n) for n in range(2000)]
    plan = Chaos(config, "s.f").plan(batch)
    assert 300 < len(plan.duplicated) < 500 and 130 < len(plan.delayed) < 280
    again = Chaos(config, "s.f").plan(batch)
    assert [d.message["MessageId"] for d in again.delayed] == [d.message["MessageId"] for d in plan.delayed]
    other_slot = Chaos(config, "s.f", slot=1).plan(batch)
    assert [d.message["MessageId"] for d in other_slot.delayed] != [d.message["MessageId"] for d in plan.delayed]


def test_a_duplicate_keeps_body_string_attributes_and_trace() -> None:
    request = duplicate_request("http://q", Duplicated(_message(5), delay_seconds=3))
    assert request["QueueUrl"] == "http://q" and request["MessageBody"] == '{"n": 5}'
    assert request["MessageAttributes"] == {"type": {"DataType": "String", "StringValue": "chunk.processed"}}
    assert request["MessageSystemAttributes"]["AWSTraceHeader"]["StringValue"] == "Root=1-abc-def"
    assert request["DelaySeconds"] == 3
    assert "DelaySeconds" not in duplicate_request("http://q", Duplicated(_message(5), delay_seconds=0))


def test_every_fault_is_one_countable_log_line(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test-chaos")
    chaos = Chaos(ChaosConfig(duplicate=1.0, delay=1.0, seed=5), "merger.coordinate", log=logger)
    plan = chaos.plan([_message(1)])
    with caplog.at_level(logging.INFO, logger="test-chaos"):
        chaos.logged_delay(plan.delayed[0])
        chaos.logged_duplicate(plan.duplicated[0], "copy-1")
        chaos.logged_kill(0.25, 3)
    kinds = [m.groups() for line in caplog.messages if (m := LOG_PATTERN.search(line))]
    assert kinds == [("delay", "merger.coordinate"), ("duplicate", "merger.coordinate"), ("kill", "merger.coordinate")]


# --- the kill, on a real worker process -----------------------------------------------------

APP = """
import time

def handler(event, context):
    time.sleep(event.get("seconds", 0))
    return {"slept": event.get("seconds", 0)}
"""


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[WorkerProcess]:
    (tmp_path / "app.py").write_text(APP)
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "_HANDLER": "app.handler",
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }
    log: IO[bytes]
    with (tmp_path / "function.log").open("ab") as log:
        process = WorkerProcess(tmp_path, environment, log)
        yield process
        process.stop()


def test_a_due_kill_sigkills_the_running_invocation(worker: WorkerProcess) -> None:
    first = worker.invoke({"seconds": 0}, timeout_s=30)
    assert first.status == "returned"
    pid = worker.pid
    killed = worker.invoke({"seconds": 30}, timeout_s=60, kill_after_s=0.3)
    assert killed.status == "crashed" and killed.chaos_killed and "SIGKILL" in (killed.error or "")
    assert not worker.alive
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    after = worker.invoke({"seconds": 0}, timeout_s=30)  # a fresh worker takes over (cold start)
    assert after.status == "returned" and after.init_ms is not None


def test_an_invocation_that_ends_first_escapes_the_kill(worker: WorkerProcess) -> None:
    done = worker.invoke({"seconds": 0}, timeout_s=30, kill_after_s=20)
    assert done.status == "returned" and not done.chaos_killed and done.response == {"slept": 0}
    assert worker.alive


# --- the fast-redelivery profile ------------------------------------------------------------


def _spec(timeout_s: int, environment: dict[str, str]) -> FunctionSpec:
    return FunctionSpec(
        service="merger",
        app_dir=Path("/nowhere"),
        app_name="circulion-merger",
        name="coordinate",
        handler_string="app.coordinate",
        trigger=SqsTrigger(queue="circulion-merger", queue_arn=None, batch_size=10),
        settings=FunctionSettings(environment=environment, timeout_s=timeout_s),
    )


def test_fast_redelivery_keeps_timeout_lease_and_visibility_in_order() -> None:
    cap = 30
    fast = fast_function(_spec(600, {"CIRCULION_LEASE_SECONDS": "630", "OTHER": "x"}), cap)
    visibility = int(
        visibility_parameters({"MergerVisibilityTimeout": "605", "CdnPublicKeyPem": "k"}, cap)[
            "MergerVisibilityTimeout"
        ]
    )
    lease = int(fast.settings.environment["CIRCULION_LEASE_SECONDS"])
    assert fast.settings.timeout_s == cap < lease < visibility
    assert fast.settings.environment["OTHER"] == "x"
    assert visibility_parameters({"CdnPublicKeyPem": "k"}, cap) == {"CdnPublicKeyPem": "k"}


def test_fast_redelivery_fits_every_lease_even_those_only_defaulted_in_code() -> None:
    fast = fast_function(_spec(300, {}), 20)
    for variable in ("CIRCULION_LEASE_SECONDS", "CIRCULION_PLAN_LEASE_SECONDS", "CIRCULION_VALIDATION_LEASE_S"):
        assert 20 < int(fast.settings.environment[variable]) < 25, variable


def test_fast_redelivery_never_lengthens_anything() -> None:
    short = fast_function(_spec(10, {"CIRCULION_LEASE_SECONDS": "5"}), 30)
    assert short.settings.timeout_s == 10 and short.settings.environment["CIRCULION_LEASE_SECONDS"] == "5"
    assert visibility_parameters({"UploadStatusVisibilityTimeout": "20"}, 30) == {"UploadStatusVisibilityTimeout": "20"}
