"""Valid recipes to build test data from (unit tests, stack tests, the CLI's samples).

Generated lines are deterministic for a given seed so a failing test can be replayed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

HEADER: dict[str, Any] = {
    "name": "pack-a-teardown",
    "version": "1.0.0",
    "description": "Disassembly of a 48 V module",
    "robot": {"model": "UR10e", "firmware": "5.12"},
    "safety_checks": {"voltage_threshold_v": 60.0, "temperature_limit_c": 45.0, "max_force_n": 400.0},
}

_PARAMETERS: list[tuple[str, dict[str, Any]]] = [
    ("recognize", {"object_class": "m4_screw", "min_confidence": 0.9}),
    ("unscrew", {"torque_nm": 2.5, "turns": 8.0}),
    ("remove", {"force_n": 120.0, "direction": "up"}),
    ("pick", {"grip_force_n": 40.0}),
    ("move", {"pose": {"x_mm": 100.0, "y_mm": -20.5, "z_mm": 300.0}, "speed_mm_s": 200.0}),
    ("place", {"pose": {"x_mm": 0.0, "y_mm": 450.0, "z_mm": 80.0, "rz_deg": 90.0}}),
    ("inspect", {"sensor": "thermal", "max_temperature_c": 40.0}),
    ("discharge", {"target_voltage_v": 2.5, "max_current_a": 10.0}),
    ("cut", {"depth_mm": 3.0, "tool": "blade", "force_n": 150.0}),
]


def step(step_id: int) -> dict[str, Any]:
    """A valid step; the action cycles through every action with its parameters."""
    action, parameters = _PARAMETERS[step_id % len(_PARAMETERS)]
    return {"step_id": step_id, "action": action, "target": f"part-{step_id}", "parameters": parameters}


def document(step_count: int = 5) -> dict[str, Any]:
    """A valid JSON recipe document."""
    return {**HEADER, "steps": [step(i) for i in range(1, step_count + 1)]}


def line(value: object) -> bytes:
    """One NDJSON line (compact, newline-terminated)."""
    return json.dumps(value, separators=(",", ":")).encode() + b"\n"


def stream_lines(step_count: int, first_id: int = 1) -> Iterator[bytes]:
    """A valid NDJSON recipe stream, line by line: the header, then the steps."""
    yield line(HEADER)
    for step_id in range(first_id, first_id + step_count):
        yield line(step(step_id))
