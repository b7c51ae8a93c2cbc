"""check_step's fast path (pydantic-core on the bytes) must decide exactly as the exact path.

The exact path is ``strict_json.loads`` + ``STEP.validate_python``; the fast path only
accepts: whatever it accepts, the exact path must accept with the same step id.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from circulion.recipes import examples
from circulion.recipes.records import _plain_valid_step, check_step
from circulion.recipes.safety import SafetyChecks
from circulion.recipes.steps import STEP
from circulion.recipes.strict_json import Problem, loads

SAFETY = SafetyChecks.model_validate(examples.HEADER["safety_checks"])
UNSCREW = '{"step_id":1,"action":"unscrew","target":%s,"parameters":{"torque_nm":%s}}'

HOSTILE = [
    b'{"step_id":1,"action":"unscrew","target":"x","parameters":{"torque_nm":2,"torque_nm":3}}',
    b'{"step_id":1,"step_id":2,"action":"unscrew","target":"x","parameters":{"torque_nm":2}}',
    b'{"step_id":1,"action":"move","target":"x","parameters":{"pose":{"x_mm":1,"y_mm":2,"z_mm":3,"x_mm":4}}}',
    b'{"step_id":1,"action":"unscrew","target":":x","parameters":{"torque_nm":2,"torque_nm":3}}',
    b'{"step_id":1,"action":"unscrew","target":"x" :"y","parameters":{"torque_nm":2}}',
    b'{"step_id":1,"action":"unscrew","target":"x","parameters":{"torque_nm":NaN}}',
    b'{"step_id":1,"action":"unscrew","target":"x","parameters":{"torque_nm":1e400}}',
    b'{"step_id":1.0,"action":"unscrew","target":"x","parameters":{"torque_nm":2}}',
    b'{"step_id":01,"action":"unscrew","target":"x","parameters":{"torque_nm":2}}',
    b'{"step_id":1,"action":"unscrew","target":"x","parameters":{"torque_nm":2}} x',
    b'{"step_id":1,"action":"unscrew","target":"x","parameters":{"torque_nm":2}}{}',
    b'{"step_id":1,"action":"unscrew","target":"x\ty","parameters":{"torque_nm":2}}',
    b'{"step_id":1,"action":"unscrew","target":"x\\"y","parameters":{"torque_nm":2}}',
    b'{"step_id":1,"action":"unscrew","target":"x","parameters":{"torque_nm":2},}',
    b'\xef\xbb\xbf{"step_id":1,"action":"unscrew","target":"x","parameters":{"torque_nm":2}}',
    b'{"step_id":1,"action":"unscrew","target":"\xff","parameters":{"torque_nm":2}}',
    b'{"step_id":1,"action":"inspect","target":"x","parameters":{"sensor":"thermal","max_temperature_c":99}}',
    b' {"step_id" : 1 , "action":"unscrew","target":"x","parameters":{"torque_nm":2, "bit":null}} \r',
]


def exact(data: bytes) -> tuple[int | None, list[Problem]]:
    parsed = loads(data)
    if isinstance(parsed, Problem):
        return None, [parsed]
    try:
        step = STEP.validate_python(parsed)
    except ValidationError:
        return None, [Problem("schema_violation", "")]
    return step.step_id, []


@pytest.mark.parametrize("data", HOSTILE + [examples.line(examples.step(i))[:-1] for i in range(1, 10)])
def test_fast_path_accepts_only_what_the_exact_path_accepts(data: bytes) -> None:
    step_id, problems = exact(data)
    fast = _plain_valid_step(data)
    if fast is not None:
        assert not problems and fast.step_id == step_id


def test_plain_valid_records_take_the_fast_path() -> None:
    for i in range(1, 10):
        assert _plain_valid_step(examples.line(examples.step(i))[:-1]) is not None


def test_duplicate_keys_are_still_reported() -> None:
    for data in HOSTILE[:4]:
        assert [p.code for p in check_step(data, SAFETY).problems] == ["duplicate_key"]


def test_safety_limits_still_apply_on_the_fast_path() -> None:
    assert [p.code for p in check_step(HOSTILE[16], SAFETY).problems] == ["exceeds_safety_limit"]


@given(target=st.text(max_size=12), torque=st.one_of(st.integers(-5, 60), st.floats(allow_nan=True)))
def test_same_verdict_on_generated_records(target: str, torque: float) -> None:
    data = (UNSCREW % (json.dumps(target), json.dumps(torque))).encode()
    step_id, problems = exact(data)
    fast = _plain_valid_step(data)
    if fast is not None:
        assert not problems
    checked = check_step(data, SAFETY)  # unscrew has no limited quantity: problems are schema/JSON ones
    assert bool(checked.problems) == bool(problems)
    if not problems:
        assert checked.step_id == step_id
