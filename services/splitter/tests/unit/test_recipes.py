"""Schema rules of the recipe models and the strict JSON reader."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circulion.contracts.events import StepIdRange, ValidationIssue
from circulion.recipes import (
    SafetyChecks,
    check_document,
    check_header,
    check_step,
    examples,
    step_order_issues,
    with_file_lines,
)

SAFETY = SafetyChecks(voltage_threshold_v=60, temperature_limit_c=45, max_force_n=400)


def step(action: str, **parameters: Any) -> bytes:
    return json.dumps({"step_id": 7, "action": action, "target": "screw-1", "parameters": parameters}).encode()


def codes(data: bytes, safety: SafetyChecks | None = SAFETY) -> list[str]:
    return [p.code for p in check_step(data, safety).problems]


def test_every_example_step_is_valid() -> None:
    for i in range(1, 20):
        assert check_step(json.dumps(examples.step(i)).encode(), SAFETY).problems == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (step("unscrew", torque_nm=2.0), []),
        (step("unscrew", torque_nm=0), ["schema_violation"]),
        (step("unscrew", torque_nm=80), ["schema_violation"]),
        (step("unscrew"), ["schema_violation"]),
        (step("unscrew", torque_nm="2"), ["schema_violation"]),  # strict: no string coercion
        (step("unscrew", torque_nm=2, torqe=1), ["schema_violation"]),  # unknown parameter
        (step("move", speed_mm_s=10), ["schema_violation"]),  # a move needs a pose
        (step("move", pose={"x_mm": 1, "y_mm": 2, "z_mm": 3}), []),
        (step("fly", pose={}), ["schema_violation"]),
        (step("discharge", target_voltage_v=70, max_current_a=5), ["exceeds_safety_limit"]),
        (step("inspect", sensor="thermal", max_temperature_c=50), ["exceeds_safety_limit"]),
        (step("remove", force_n=500), ["exceeds_safety_limit"]),
        (step("cut", depth_mm=2, tool_temperature_c=30), []),
    ],
)
def test_step_rules(data: bytes, expected: list[str]) -> None:
    assert codes(data) == expected


def test_limits_are_unchecked_without_a_header() -> None:
    assert codes(step("discharge", target_voltage_v=70, max_current_a=5), None) == []


def test_force_is_unlimited_when_the_recipe_sets_no_maximum() -> None:
    safety = SafetyChecks(voltage_threshold_v=60, temperature_limit_c=45)
    assert codes(step("remove", force_n=4000), safety) == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xff\xfe", "invalid_utf8"),
        (b"\xef\xbb\xbf{}", "byte_order_mark"),
        (b'{"step_id":1,"step_id":2}', "duplicate_key"),
        (b'{"x": NaN}', "non_finite_number"),
        (b'{"x": -Infinity}', "non_finite_number"),
        (b'{"x": 1e999}', "number_out_of_range"),
        (b'{"x": ' + b"9" * 5000 + b"}", "number_out_of_range"),
        (b"[" * 200_000 + b"]" * 200_000, "too_deeply_nested"),
        (b'{"x": ', "invalid_json"),
        (b"[1, 2]", "not_an_object"),
        (b'{"step_id": 1e400}', "number_out_of_range"),
    ],
)
def test_hostile_json_is_a_problem_not_a_crash(data: bytes, code: str) -> None:
    assert codes(data) == [code]


@given(st.binary(max_size=300))
def test_no_bytes_crash_the_record_checks(data: bytes) -> None:
    check_step(data, SAFETY)
    check_header(data)
    check_document(data)


def test_header_is_the_document_without_steps() -> None:
    assert check_header(examples.line(examples.HEADER)).header is not None
    with_steps = {**examples.HEADER, "steps": []}
    assert [p.code for p in check_header(json.dumps(with_steps).encode()).problems] == ["schema_violation"]
    bad_version = {**examples.HEADER, "version": "1.0"}
    assert check_header(json.dumps(bad_version).encode()).header is None


def test_a_document_is_checked_for_order_and_limits() -> None:
    assert check_document(json.dumps(examples.document(9)).encode()).problems == []
    doc = examples.document(3)
    doc["steps"][2]["step_id"] = 1
    doc["steps"][1] = {"step_id": 2, "action": "remove", "target": "lid", "parameters": {"force_n": 900}}
    result = check_document(json.dumps(doc).encode())
    assert [p.code for p in result.problems] == ["exceeds_safety_limit", "step_id_not_increasing"]
    assert [p.step_id for p in result.problems] == [2, 1]
    assert check_document(json.dumps({**examples.HEADER, "steps": []}).encode()).problems[0].code == "schema_violation"


def test_a_documents_schema_problems_name_the_step_by_its_step_id_not_its_index() -> None:
    doc = copy.deepcopy(examples.document(3))  # the examples share their step dicts
    doc["steps"][0]["parameters"]["torque_nm"] = 900.0  # step_id 1, index 0
    doc["steps"][2]["step_id"] = "three"

    problems = check_document(json.dumps(doc).encode()).problems

    assert [p.step_id for p in problems] == [1, None]
    assert problems[0].message.startswith("document step_id 1: unscrew.parameters.torque_nm: ")
    assert problems[1].message.startswith("document step #3 (no valid step_id): ")
    assert not any("steps.0" in p.message or "steps.2" in p.message for p in problems)


def test_step_order_across_chunks_and_file_lines() -> None:
    ranges = [
        StepIdRange(first=1, last=10, first_line=2, first_chunk_line=2, first_offset=5),
        None,
        StepIdRange(first=10, last=20, first_chunk_line=3, first_offset=900),
    ]
    (issue,) = step_order_issues(ranges, newline_counts=[30, 40, 50])
    assert (issue.chunk_index, issue.step_id, issue.line, issue.byte_offset) == (2, 10, 73, 900)
    later = ValidationIssue(code="x", message="m", chunk_index=1, chunk_line=4)
    assert with_file_lines([later], [30, 40, 50])[0].line == 34
