"""The msgspec batch path decides exactly as the pydantic exact path, on clean and dirty records.

:func:`plain_valid_steps` (msgspec types compiled from the pydantic models, safety limits
compiled in) may only accept: whatever it accepts, :func:`check_step` must accept with the
same step id and no problem, for any recipe limits. Records are generated from the valid
examples and then damaged the ways customers and attackers do: values swapped for numbers
near every bound and limit, wrong types, strings of edge lengths or opening with ``:``,
keys dropped, repeated (same or other value) or unknown, actions swapped, spacing varied.
"""

from __future__ import annotations

import json
import string
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from circulion.recipes import ACTIONS, examples
from circulion.recipes.fast_steps import _struct, step_decoder
from circulion.recipes.plain_batches import plain_valid_steps
from circulion.recipes.records import check_step
from circulion.recipes.safety import SafetyChecks
from circulion.testing.stream_runs import checker_outcome

SAFETY = SafetyChecks.model_validate(examples.HEADER["safety_checks"])
PLAIN = "".join(c for c in string.printable if c not in '\\"\t\n\r\x0b\x0c')

EDGES = ["0", "-0", "0.0", "1", "1.0", "-1", "45", "45.0", "45.00000000000001", "60", "60.0000000001", "50",
         "50.000000000000001", "50.00000000000001", "49.999999999999999999", "400", "400.0", "400.00000000000006",
         "1000", "1000.0000000000001", "5000", "5000.000000000001", "-5000", "-5000.000000000001", "360", "-360.0",
         "2000", "86400", "86400.00000000001", "9007199254740992", "9007199254740993", "1e400", "-1e400", "1E2",
         "5e-324", "1e-400", "1" + "0" * 30, "1.7976931348623157e308", "0.1", "2e1", "-2E-1"]  # fmt: skip
NUMBERS = st.one_of(
    st.sampled_from(EDGES),
    st.integers(-6000, 10_100).map(str),
    st.floats(-6000, 6000, allow_nan=False).map(repr),
)
STRINGS = st.one_of(
    st.text(PLAIN, max_size=8),
    st.sampled_from([":", ": x", " :", "", " "]),
    st.sampled_from([0, 1, 63, 64, 65, 128, 129, 256, 257, 1024, 1025]).map(lambda n: "a" * n),
).map(lambda text: f'"{text}"')
LITERALS = st.sampled_from([*ACTIONS, "up", "vacuum", "thermal", "laser", "down", "Up", "blade "]).map(json.dumps)
VALUES = st.one_of(NUMBERS, STRINGS, LITERALS, st.sampled_from(["true", "false", "null", "{}", "[]", "[1]"]))
KEYS = st.sampled_from(["step_id", "action", "target", "timeout_s", "parameters", "pose", "x_mm", "rz_deg",
                        "torque_nm", "turns", "bit", "force_n", "grip_force_n", "gripper", "max_temperature_c",
                        "max_voltage_v", "target_voltage_v", "max_current_a", "tool_temperature_c",
                        "release_force_n", "speed_mm_s", "object_class", "min_confidence", "extra", ":"])  # fmt: skip
SAFETIES = st.one_of(
    st.none(),
    st.just(SAFETY),
    st.builds(
        SafetyChecks,
        voltage_threshold_v=st.sampled_from([0.5, 2.5, 60.0, 2000.0]),
        temperature_limit_c=st.sampled_from([-49.0, 0.0, 40.0, 45.0, 300.0]),
        max_force_n=st.sampled_from([None, 0.1, 40.0, 120.0, 150.0, 10_000.0]),
    ),
)
Pairs = list[tuple[str, Any]]


def pairs(value: dict[str, Any]) -> Pairs:
    return [(k, pairs(v) if isinstance(v, dict) else json.dumps(v)) for k, v in value.items()]


def dumps(value: Pairs, colon: str, comma: str) -> str:
    inner = comma.join(f'"{k}"{colon}{dumps(v, colon, comma) if isinstance(v, list) else v}' for k, v in value)
    return "{" + inner + "}"


@st.composite
def records(draw: st.DrawFn) -> bytes:
    """A step record: a valid example, then up to four damages at any depth."""
    record = pairs(examples.step(draw(st.integers(1, 500))))
    for _ in range(draw(st.integers(0, 4))):
        target = record
        while draw(st.booleans()) and (nested := [v for _, v in target if isinstance(v, list)]):
            target = draw(st.sampled_from(nested))
        how = draw(st.sampled_from(["value", "drop", "repeat", "add", "swap"]))
        at = draw(st.integers(0, max(0, len(target) - 1)))
        if how == "value" and target:
            target[at] = (target[at][0], draw(VALUES))
        elif how == "drop" and target:
            del target[at]
        elif how == "repeat" and target:
            again = draw(st.one_of(VALUES, st.just(target[at][1])))
            target.insert(draw(st.integers(0, len(target))), (target[at][0], again))
        elif how == "add":
            target.insert(at, (draw(KEYS), draw(VALUES)))
        else:
            record = [(k, json.dumps(draw(st.sampled_from(ACTIONS))) if k == "action" else v) for k, v in record]
    colon, comma = draw(st.sampled_from([(":", ","), (" : ", ", "), (": ", ",")]))
    return dumps(record, colon, comma).encode()


def exact(lines: list[bytes], safety: SafetyChecks | None) -> list[tuple[int | None, list[str]]]:
    return [(c.step_id, [p.message for p in c.problems]) for c in (check_step(line, safety) for line in lines)]


@settings(max_examples=600, deadline=None)
@given(record=records(), safety=SAFETIES)
def test_a_record_the_batch_path_accepts_the_exact_path_accepts(record: bytes, safety: SafetyChecks | None) -> None:
    fast = plain_valid_steps([record], safety)
    if isinstance(fast, list):
        assert exact([record], safety) == [(fast[0], [])]


def valid(step_id: int) -> bytes:
    return examples.line(examples.step(step_id))[:-1]


@settings(max_examples=200, deadline=None)
@given(batch=st.lists(st.one_of(records(), st.integers(1, 500).map(valid)), min_size=1, max_size=12), safety=SAFETIES)
def test_a_batch_the_batch_path_accepts_the_exact_path_accepts(batch: list[bytes], safety: SafetyChecks | None) -> None:
    fast = plain_valid_steps(batch, safety)
    if isinstance(fast, list):
        assert exact(batch, safety) == [(i, []) for i in fast]
    else:
        assert -1 <= fast < len(batch)


@settings(max_examples=300, deadline=None)
@given(record=records(), safety=SAFETIES)
def test_an_undamaged_record_takes_the_batch_path(record: bytes, safety: SafetyChecks | None) -> None:
    """Not vacuous: a record the exact path accepts in compact form, with no number beyond
    a double's exact integers, is proven valid in the batch (the speed-up applies)."""
    verdict = exact([record], safety)
    compact = b" " not in record and b"1" + b"0" * 30 not in record and b"1e-400" not in record
    if verdict[0][1] == [] and compact:
        assert plain_valid_steps([record], safety) == [verdict[0][0]]


@settings(max_examples=60, deadline=None)
@given(
    ids=st.lists(st.integers(1, 3000), min_size=1, max_size=600),
    dirty=st.lists(st.tuples(st.integers(0, 599), records()), max_size=6),
    safety=SAFETIES,
)
def test_a_checker_fed_runs_reports_every_issue_as_one_fed_records(
    ids: list[int], dirty: list[tuple[int, bytes]], safety: SafetyChecks | None
) -> None:
    ids.sort()
    lines = [valid(i) for i in ids]
    for at, line in dirty:
        if at < len(lines):
            lines[at] = line

    assert checker_outcome(lines, safety, runs=True) == checker_outcome(lines, safety, runs=False)


@given(st.text(PLAIN))
def test_plain_strings_encode_as_they_were_written(text: str) -> None:
    """What the duplicate-key count rests on: a plain string comes out byte for byte."""
    assert msgspec.json.encode(text) == f'"{text}"'.encode()


def test_the_compiled_steps_have_the_models_fields() -> None:
    union = step_decoder(SAFETY).type.__args__[0]  # type: ignore[attr-defined]
    for struct in union.__args__:
        model = getattr(__import__("circulion.recipes.steps", fromlist=["x"]), struct.__name__)
        assert set(struct.__struct_fields__) | {"action"} == set(model.model_fields)
        assert struct.__struct_config__.tag == model.model_fields["action"].annotation.__args__[0]


class _Patterned(BaseModel):
    code: str = Field(pattern=r"^[a-z]+$")


class _Stepped(BaseModel):
    count: float = Field(multiple_of=0.5)


class _Flag(BaseModel):
    on: bool


@pytest.mark.parametrize("model", [_Patterned, _Stepped, _Flag])
def test_a_constraint_the_compiler_does_not_know_fails_at_import(model: type[BaseModel]) -> None:
    with pytest.raises(TypeError):
        _struct(model, {})
