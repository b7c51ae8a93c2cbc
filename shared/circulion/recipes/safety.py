"""The recipe's declared safety envelope, and the header every recipe starts with."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from circulion.identifiers import field_pattern

SEMVER = r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class SafetyChecks(_Strict):
    """Limits no step may exceed: a pack above them must not be worked on."""

    voltage_threshold_v: Annotated[float, Field(allow_inf_nan=False, gt=0, le=2000)]
    temperature_limit_c: Annotated[float, Field(allow_inf_nan=False, gt=-50, le=300)]
    max_force_n: Annotated[float, Field(allow_inf_nan=False, gt=0, le=10_000)] | None = None


class Robot(_Strict):
    model: str = Field(min_length=1, max_length=128)
    firmware: str | None = Field(default=None, max_length=64)


class RecipeHeader(_Strict):
    """A recipe without its steps: the whole of a stream's first line."""

    recipe_id: str | None = Field(default=None, min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=128)
    version: str = Field(pattern=field_pattern(SEMVER), max_length=64)
    description: str | None = Field(default=None, max_length=4096)
    robot: Robot
    safety_checks: SafetyChecks
