"""Function settings and environments from .chalice/config.json, and the concurrency rule."""

from __future__ import annotations

from pathlib import Path

from circulion_local.ports import LocalPorts
from circulion_local.runtime.config import app_name, function_settings
from circulion_local.runtime.discovery import to_app_spec
from circulion_local.runtime.function_env import function_environment, output_environment
from circulion_local.runtime.functions import FunctionSettings, FunctionSpec, ScheduleTrigger, SqsTrigger

CONFIG = {
    "version": "2.0",
    "app_name": "circulion-splitter",
    "lambda_timeout": 30,
    "environment_variables": {"LEVEL": "top", "ONLY_TOP": "1"},
    "stages": {
        "local": {
            "lambda_memory_size": 512,
            "environment_variables": {"LEVEL": "stage", "CIRCULION_STAGE": "from-config"},
            "lambda_functions": {
                "process_chunk": {
                    "lambda_timeout": 120,
                    "reserved_concurrency": 3,
                    "environment_variables": {"LEVEL": "function"},
                }
            },
        },
        "prod": {"lambda_timeout": 900, "environment_variables": {"LEVEL": "prod"}},
    },
}


def test_function_overrides_win_over_stage_and_top_level() -> None:
    settings = function_settings(CONFIG, "process_chunk")
    assert settings.timeout_s == 120
    assert settings.memory_mb == 512
    assert settings.reserved_concurrency == 3
    assert settings.environment == {"LEVEL": "function", "ONLY_TOP": "1", "CIRCULION_STAGE": "from-config"}


def test_other_functions_get_stage_then_top_level_values() -> None:
    settings = function_settings(CONFIG, "split")
    assert settings.timeout_s == 30
    assert settings.reserved_concurrency is None
    assert settings.environment["LEVEL"] == "stage"


def test_chalice_defaults_when_nothing_is_configured() -> None:
    assert function_settings({}, "split") == FunctionSettings(environment={}, timeout_s=60, memory_mb=128)


def test_app_name_from_config_else_the_apps() -> None:
    assert app_name(CONFIG, "x") == "circulion-splitter"
    assert app_name({}, "from-app") == "from-app"


def _spec(trigger: SqsTrigger | ScheduleTrigger, settings: FunctionSettings) -> FunctionSpec:
    return FunctionSpec("splitter", Path("/app"), "circulion-splitter", "process_chunk", "app.f", trigger, settings)


def test_concurrency_is_the_tightest_limit_or_the_default() -> None:
    sqs = SqsTrigger(queue="q", queue_arn=None, batch_size=1, maximum_concurrency=2)
    assert _spec(sqs, FunctionSettings(reserved_concurrency=5)).concurrency() == 2
    assert _spec(sqs, FunctionSettings(reserved_concurrency=1)).concurrency() == 1
    unlimited = SqsTrigger(queue="q", queue_arn=None, batch_size=1)
    assert _spec(unlimited, FunctionSettings()).concurrency(default=4) == 4
    assert _spec(ScheduleTrigger("rate(1 minute)"), FunctionSettings()).concurrency() == 1


def test_queue_name_from_arn() -> None:
    trigger = SqsTrigger(queue=None, queue_arn="arn:aws:sqs:us-east-1:1:circulion-merger", batch_size=10)
    assert trigger.queue_name == "circulion-merger"


def test_environment_layers() -> None:
    spec = _spec(
        SqsTrigger(queue="q", queue_arn=None, batch_size=1),
        function_settings(CONFIG, "process_chunk"),
    )
    ports = LocalPorts(150)
    stack = {**ports.function_environment(), **output_environment({"DistributionId": "E123", "Other": "x"})}
    host = {"PATH": "/usr/bin", "AWS_PROFILE": "real-account", "HOME": "/home/dev"}
    env = function_environment(spec, host, stack, "us-east-1")
    assert env["PATH"] == "/usr/bin"
    assert "AWS_PROFILE" not in env  # nothing else leaks from the developer's shell
    assert env["LEVEL"] == "function"
    assert env["CIRCULION_STAGE"] == "local"  # the stack's layer is on top of the config
    assert env["AWS_ENDPOINT_URL"] == ports.endpoint_url
    assert env["CIRCULION_DISTRIBUTION_ID"] == "E123"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "circulion-splitter-local-process_chunk"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["_HANDLER"] == "app.f"
    assert "LAMBDA_TASK_ROOT" not in env  # circulion.tracing reads it as "real Lambda"


def test_app_spec_from_an_app_description() -> None:
    description = {
        "app_name": "circulion-splitter",
        "has_routes": False,
        "event_sources": [
            {
                "kind": "sqs",
                "name": "process_chunk",
                "handler_string": "app.process_chunk",
                "queue": "circulion-splitter-work",
                "queue_arn": None,
                "batch_size": 1,
                "maximum_batching_window_in_seconds": 0,
                "maximum_concurrency": 2,
            },
            {"kind": "schedule", "name": "sweep", "handler_string": "app.sweep", "expression": "rate(1 minute)"},
        ],
    }
    app = to_app_spec("splitter", Path("/app"), description, CONFIG)
    chunk, sweep = app.functions
    assert chunk.lambda_name == "circulion-splitter-local-process_chunk"
    assert chunk.trigger == SqsTrigger("circulion-splitter-work", None, 1, 0, 2)
    assert chunk.settings.timeout_s == 120
    assert chunk.concurrency() == 2
    assert sweep.trigger == ScheduleTrigger("rate(1 minute)")
    assert sweep.settings.timeout_s == 30
