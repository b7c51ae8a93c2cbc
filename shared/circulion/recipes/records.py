"""Record-level validation: what a chunk worker checks, one record at a time.

Nothing here raises on customer input: every outcome is a list of :class:`Problem`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import get_args

from pydantic import BaseModel, ValidationError

from circulion.recipes.document import RecipeDocument
from circulion.recipes.safety import RecipeHeader, SafetyChecks
from circulion.recipes.schema_problems import document_schema_problems, schema_problems
from circulion.recipes.steps import MAX_STEP_ID, STEP, Step, limit_violations
from circulion.recipes.strict_json import Problem, loads


@dataclass(frozen=True)
class HeaderCheck:
    header: RecipeHeader | None
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class StepCheck:
    """The outcome for one stream record.

    ``step_id`` is whatever integer id the record carries, even when the rest of it is
    invalid, so ordering is still checked around a broken step.
    """

    step_id: int | None
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentCheck:
    step_count: int
    first_step_id: int | None = None
    last_step_id: int | None = None
    problems: list[Problem] = field(default_factory=list)


def is_blank(data: bytes) -> bool:
    """Blank lines (including a lone ``\\r`` of CRLF files) are allowed and ignored."""
    return not data.strip()


def check_header(data: bytes) -> HeaderCheck:
    """Validate a stream's first line: the recipe without its steps."""
    parsed = loads(data)
    if isinstance(parsed, Problem):
        return HeaderCheck(None, [parsed])
    if not isinstance(parsed, dict):
        return HeaderCheck(None, [Problem("not_an_object", "the header line must be a JSON object")])
    try:
        return HeaderCheck(RecipeHeader.model_validate(parsed))
    except ValidationError as exc:
        return HeaderCheck(None, schema_problems(exc, "header"))


def check_step(data: bytes, safety: SafetyChecks | None) -> StepCheck:
    """Validate one step line; ``safety`` ``None`` when the header is unknown or invalid."""
    step = _plain_valid_step(data)
    if step is not None:
        return StepCheck(step.step_id, _limits(step, safety))
    parsed = loads(data)
    if isinstance(parsed, Problem):
        return StepCheck(None, [parsed])
    if not isinstance(parsed, dict):
        return StepCheck(None, [Problem("not_an_object", "a step line must be a JSON object")])
    step_id = _raw_step_id(parsed)
    try:
        step = STEP.validate_python(parsed)
    except ValidationError as exc:
        return StepCheck(step_id, schema_problems(exc, "step", step_id))
    return StepCheck(step.step_id, _limits(step, safety))


def check_document(data: bytes) -> DocumentCheck:
    """Validate a whole JSON recipe document: schema, step order, safety limits."""
    parsed = loads(data)
    if isinstance(parsed, Problem):
        return DocumentCheck(0, problems=[parsed])
    if not isinstance(parsed, dict):
        return DocumentCheck(0, problems=[Problem("not_an_object", "a recipe document must be a JSON object")])
    try:
        document = RecipeDocument.model_validate(parsed)
    except ValidationError as exc:
        raw_steps = parsed.get("steps")
        count = len(raw_steps) if isinstance(raw_steps, list) else 0
        return DocumentCheck(count, problems=document_schema_problems(exc, raw_steps))
    problems: list[Problem] = []
    previous: int | None = None
    for step in document.steps:
        if previous is not None and step.step_id <= previous:
            problems.append(order_problem(previous, step.step_id))
        previous = step.step_id
        problems.extend(_limits(step, document.safety_checks))
    steps = document.steps
    return DocumentCheck(len(steps), steps[0].step_id, steps[-1].step_id, problems)


def order_problem(previous: int, step_id: int) -> Problem:
    """The rule every recipe keeps: step ids strictly increase through the whole recipe."""
    return Problem(
        "step_id_not_increasing",
        f"step_id {step_id} follows step_id {previous}; step ids must strictly increase",
        step_id=step_id,
    )


_NOT_PLAIN = re.compile(rb"[^\x20-\x5b\x5d-\x7e]")
"""A byte outside printable ASCII, or a backslash: such records take the exact path."""
_KEY = re.compile(rb'" *:')


def _plain_valid_step(data: bytes) -> Step | None:
    """The step, when ``data`` is a plain record that the exact path would accept as is.

    The common case costs one pydantic-core call on the bytes instead of a Python-hooked
    ``json.loads`` plus model construction (about half the chunk worker's time). Anything
    else returns ``None`` and goes through :func:`loads`, which names the problem. It is
    sound because: printable ASCII without backslashes has no invalid UTF-8, BOM, control
    character or escape, so every ``"`` delimits a string; pydantic-core's strict JSON
    rejects what ``loads`` rejects (non-finite numbers fail ``allow_inf_nan=False`` on
    every number field) except duplicate keys, and those are caught by counting: each key
    token matches ``" *:``, a string opening with ``:`` only adds matches, and every key
    lands in some model's ``model_fields_set`` (``extra="forbid"``), so equal counts mean
    no key repeats.
    """
    core = data.rstrip(b"\r")  # CRLF files: JSON ignores the \r either way
    if _NOT_PLAIN.search(core) is not None:
        return None
    try:
        step = STEP.validate_json(core)
    except ValidationError:
        return None
    if len(_KEY.findall(core)) != _keys_set(step):
        return None
    return step


def _keys_set(model: BaseModel) -> int:
    count = len(model.model_fields_set)
    for name in _model_fields(type(model)):
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            count += _keys_set(value)
    return count


@cache
def _model_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Fields that may hold a nested model (computed once per model class)."""
    return tuple(name for name, info in model.model_fields.items() if _holds_model(info.annotation))


def _holds_model(annotation: object) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(arg) for arg in get_args(annotation))


def _raw_step_id(parsed: dict[str, object]) -> int | None:
    value = parsed.get("step_id")
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_STEP_ID:
        return value
    return None


def _limits(step: Step, safety: SafetyChecks | None) -> list[Problem]:
    if safety is None:
        return []
    return [
        Problem(
            "exceeds_safety_limit",
            f"{step.action} parameter {v.parameter}={v.value:g} exceeds the recipe's {v.quantity} limit {v.limit:g}",
            step_id=step.step_id,
        )
        for v in limit_violations(step, safety)
    ]
