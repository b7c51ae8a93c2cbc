"""One step of a recipe: an action, its target and the parameters that action needs.

Every action has its own parameter model, so a misspelt or missing parameter is a schema
error rather than something the robot discovers mid-disassembly. Parameter names carry
their unit (``_nm`` newton metres, ``_n`` newtons, ``_v`` volts, ``_c`` degrees Celsius,
``_mm``, ``_deg``, ``_a``): that is how :func:`limit_violations` finds the physical
quantities to hold against the recipe's safety checks without a second list to maintain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from circulion.recipes.safety import SafetyChecks

MAX_STEP_ID = 2**53
"""Step ids stay exact in every JSON reader (IEEE doubles), so none may exceed 2**53."""

Finite = Annotated[float, Field(allow_inf_nan=False)]
Length = Annotated[float, Field(allow_inf_nan=False, ge=-5000, le=5000)]
Angle = Annotated[float, Field(allow_inf_nan=False, ge=-360, le=360)]


class _Strict(BaseModel):
    # Customer input: no coercion of "5" into 5, no unknown keys silently ignored.
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class Pose(_Strict):
    """A tool pose in the robot's base frame: millimetres and degrees."""

    x_mm: Length
    y_mm: Length
    z_mm: Length
    rx_deg: Angle = 0.0
    ry_deg: Angle = 0.0
    rz_deg: Angle = 0.0


class RecognizeParameters(_Strict):
    """Find the target with the vision model before touching it."""

    object_class: str = Field(min_length=1, max_length=128)
    min_confidence: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1)] = 0.8
    model_asset: str | None = Field(default=None, max_length=1024)


class UnscrewParameters(_Strict):
    """Undo a screw or bolt with the nutrunner."""

    torque_nm: Annotated[float, Field(allow_inf_nan=False, gt=0, le=50)]
    turns: Annotated[float, Field(allow_inf_nan=False, gt=0, le=200)] | None = None
    bit: str | None = Field(default=None, max_length=64)


class RemoveParameters(_Strict):
    """Pull a loosened part free."""

    force_n: Annotated[float, Field(allow_inf_nan=False, gt=0, le=5000)]
    direction: Literal["up", "down", "left", "right", "forward", "back"] = "up"


class PickParameters(_Strict):
    """Grip a part."""

    grip_force_n: Annotated[float, Field(allow_inf_nan=False, gt=0, le=1000)]
    gripper: Literal["parallel", "vacuum", "magnetic"] = "parallel"


class PlaceParameters(_Strict):
    """Put the gripped part down at a pose."""

    pose: Pose
    release_force_n: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1000)] | None = None


class MoveParameters(_Strict):
    """Move the tool to a pose."""

    pose: Pose
    speed_mm_s: Annotated[float, Field(allow_inf_nan=False, gt=0, le=2000)] = 250.0


class InspectParameters(_Strict):
    """Measure the target with a sensor before going on."""

    sensor: Literal["camera", "thermal", "voltmeter"]
    max_temperature_c: Finite | None = None
    max_voltage_v: Annotated[float, Field(allow_inf_nan=False, ge=0)] | None = None


class DischargeParameters(_Strict):
    """Discharge a cell or module to a safe voltage."""

    target_voltage_v: Annotated[float, Field(allow_inf_nan=False, ge=0)]
    max_current_a: Annotated[float, Field(allow_inf_nan=False, gt=0, le=500)]
    max_temperature_c: Finite | None = None


class CutParameters(_Strict):
    """Cut through a casing, tape or adhesive."""

    depth_mm: Annotated[float, Field(allow_inf_nan=False, gt=0, le=100)]
    tool: Literal["blade", "saw", "laser"] = "blade"
    force_n: Annotated[float, Field(allow_inf_nan=False, gt=0, le=5000)] | None = None
    tool_temperature_c: Finite | None = None


class _StepBase(_Strict):
    step_id: int = Field(ge=1, le=MAX_STEP_ID)
    target: str = Field(min_length=1, max_length=256)
    timeout_s: Annotated[float, Field(allow_inf_nan=False, gt=0, le=86_400)] | None = None


class RecognizeStep(_StepBase):
    action: Literal["recognize"]
    parameters: RecognizeParameters


class UnscrewStep(_StepBase):
    action: Literal["unscrew"]
    parameters: UnscrewParameters


class RemoveStep(_StepBase):
    action: Literal["remove"]
    parameters: RemoveParameters


class PickStep(_StepBase):
    action: Literal["pick"]
    parameters: PickParameters


class PlaceStep(_StepBase):
    action: Literal["place"]
    parameters: PlaceParameters


class MoveStep(_StepBase):
    action: Literal["move"]
    parameters: MoveParameters


class InspectStep(_StepBase):
    action: Literal["inspect"]
    parameters: InspectParameters


class DischargeStep(_StepBase):
    action: Literal["discharge"]
    parameters: DischargeParameters


class CutStep(_StepBase):
    action: Literal["cut"]
    parameters: CutParameters


Step = Annotated[
    RecognizeStep | UnscrewStep | RemoveStep | PickStep | PlaceStep | MoveStep | InspectStep | DischargeStep | CutStep,
    Field(discriminator="action"),
]
"""A step; ``action`` selects which parameter model applies."""

STEP: TypeAdapter[Step] = TypeAdapter(Step)

ACTIONS: tuple[str, ...] = (
    "recognize",
    "unscrew",
    "remove",
    "pick",
    "place",
    "move",
    "inspect",
    "discharge",
    "cut",
)


@dataclass(frozen=True)
class LimitViolation:
    """A parameter beyond what the recipe's safety checks allow."""

    parameter: str
    value: float
    limit: float
    quantity: Literal["temperature", "voltage", "force"]


def limit_violations(step: Step, safety: SafetyChecks) -> list[LimitViolation]:
    """Physical quantities in ``step`` beyond ``safety``'s limits.

    Temperatures (``*_c``) must not exceed ``temperature_limit_c``, voltages (``*_v``)
    ``voltage_threshold_v`` and forces (``*_n``) ``max_force_n`` when the recipe sets one.
    """
    found: list[LimitViolation] = []
    parameters = step.parameters
    for name in _unit_fields(type(parameters)):
        value = getattr(parameters, name)
        if not isinstance(value, float | int) or isinstance(value, bool):
            continue
        if name.endswith("_c") and value > safety.temperature_limit_c:
            found.append(LimitViolation(name, float(value), safety.temperature_limit_c, "temperature"))
        elif name.endswith("_v") and value > safety.voltage_threshold_v:
            found.append(LimitViolation(name, float(value), safety.voltage_threshold_v, "voltage"))
        elif name.endswith("_n") and safety.max_force_n is not None and value > safety.max_force_n:
            found.append(LimitViolation(name, float(value), safety.max_force_n, "force"))
    return found


@lru_cache(maxsize=256)
def limit_table(model: type[BaseModel], safety: SafetyChecks) -> tuple[tuple[str, float], ...]:
    """``(field, limit)`` for every field of the parameter ``model`` that
    :func:`limit_violations` holds against ``safety``: a field with a value above its
    limit is exactly a violation. For checking many steps against one recipe's limits."""
    pairs: list[tuple[str, float]] = []
    for name in _unit_fields(model):
        if name.endswith("_c"):
            pairs.append((name, safety.temperature_limit_c))
        elif name.endswith("_v"):
            pairs.append((name, safety.voltage_threshold_v))
        elif safety.max_force_n is not None:
            pairs.append((name, safety.max_force_n))
    return tuple(pairs)


@cache
def _unit_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields :func:`limit_violations` may hold against a limit, in declaration order
    (computed once per parameter model: this runs for every step of every chunk)."""
    return tuple(name for name in model.model_fields if name.endswith(("_c", "_v", "_n")))
