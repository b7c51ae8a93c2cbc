"""``--reserved-concurrency``: one function of an app run with another limit, nothing else changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from circulion_local.__main__ import _parser, options_from
from circulion_local.runtime.functions import AppSpec, FunctionSettings, FunctionSpec, SqsTrigger
from circulion_local.runtime.reserved_concurrency import UnknownFunction, with_reserved


def _app() -> AppSpec:
    def spec(name: str, reserved: int | None) -> FunctionSpec:
        trigger = SqsTrigger(queue=f"q-{name}", queue_arn=None, batch_size=1, maximum_concurrency=1000)
        settings = FunctionSettings(environment={"A": "1"}, timeout_s=120, reserved_concurrency=reserved)
        return FunctionSpec("splitter", Path("/app"), "circulion-splitter", name, f"app.{name}", trigger, settings)

    functions = (spec("split", None), spec("process_chunk", 2))
    return AppSpec("splitter", Path("/app"), "circulion-splitter", functions, has_routes=False)


def test_the_named_function_gets_the_limit_and_keeps_everything_else() -> None:
    app = _app()
    (changed,) = with_reserved([app], (("splitter.process_chunk", 1),))
    split, chunk = changed.functions
    assert split == app.functions[0]
    assert chunk.concurrency() == 1 and app.functions[1].concurrency() == 2
    assert chunk.settings.environment == {"A": "1"} and chunk.settings.timeout_s == 120
    assert (chunk.service, chunk.lambda_name) == ("splitter", "circulion-splitter-local-process_chunk")  # same role


def test_no_option_changes_nothing() -> None:
    app = _app()
    assert with_reserved([app], ()) == [app]


def test_an_unknown_function_is_refused_by_name() -> None:
    with pytest.raises(UnknownFunction, match=r"unknown function\(s\) splitter\.process_chunks; known: "):
        with_reserved([_app()], (("splitter.process_chunks", 1),))


@pytest.mark.parametrize("value", ["process_chunk=1", "splitter.process_chunk", "splitter.process_chunk=0", "a.b=x"])
def test_a_malformed_option_is_a_usage_error_saying_the_form(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        _parser().parse_args(["run", "--reserved-concurrency", value])
    assert exit_.value.code == 2
    assert "expected service.function=N with N >= 1" in capsys.readouterr().err


def test_the_command_line_option_reaches_the_run_options() -> None:
    args = _parser().parse_args(["run", "--reserved-concurrency", "splitter.process_chunk=1"])
    assert options_from(args).reserved_concurrency == (("splitter.process_chunk", 1),)
    twice = [
        "run",
        "--reserved-concurrency",
        "splitter.process_chunk=1",
        "--reserved-concurrency",
        "splitter.process_chunk=3",
    ]
    assert options_from(_parser().parse_args(twice)).reserved_concurrency == (("splitter.process_chunk", 3),)
    assert options_from(_parser().parse_args(["run"])).reserved_concurrency == ()
