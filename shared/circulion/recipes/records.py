"""Record-level validation: what a chunk worker checks, one record at a time.

Nothing here raises on customer input: every outcome is a list of :class:`Problem`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat
from operator import attrgetter
from typing import get_args

from pydantic import BaseModel, TypeAdapter, ValidationError

from circulion.recipes.document import RecipeDocument
from circulion.recipes.safety import RecipeHeader, SafetyChecks
from circulion.recipes.schema_problems import document_schema_problems, schema_problems
from circulion.recipes.steps import MAX_STEP_ID, STEP, Step, limit_table, limit_violations
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


_STEPS: TypeAdapter[list[Step]] = TypeAdapter(list[Step])


def plain_valid_steps(lines: Sequence[bytes], safety: SafetyChecks | None) -> list[int] | int:  # noqa: PLR0911
    """The step ids of ``lines`` when :func:`check_step` would accept every one of them
    without a problem; otherwise the index of the first line suspected of one, or -1 when
    unknown (check the suspect one by one: nothing is lost; lines before it may still be
    bad, so they are tried again).

    :func:`_plain_valid_step` for many records in one pydantic-core call: the records,
    each starting with ``{`` and plain, are validated as the JSON array
    ``[line,line,...]``. That array holding exactly ``len(lines)`` steps proves each line
    is one whole JSON value: with no backslash, an even number of ``"`` per line means no
    string spans a line boundary; outside strings a boundary reads ``,{``, valid only
    between array elements, and the only array is the outer one (no step field accepts
    an array); so every line is one or more whole elements, and the counts make it one.
    Key tokens are counted over all lines at once against all fields set (per line the
    tokens are at least the fields, so equal sums mean equal counts per line).
    """
    blob = b"\n".join(lines)
    if not lines or blob[:1] != b"{":
        return 0
    if blob.count(b"\n{") != len(lines) - 1:
        return _line_at(blob, _NOT_AN_OBJECT.search(blob))
    if blob.translate(None, _PLAIN_LINES):
        return _line_at(blob, _NOT_PLAIN_LINES.search(blob))
    odd = next((i for i, n in enumerate(map(bytes.count, lines, repeat(b'"'))) if n & 1), -1)
    if odd != -1:
        return odd
    try:
        steps = _STEPS.validate_json(b"[" + blob.replace(b"\n", b",") + b"]")
    except ValidationError as exc:
        return _first_failed(exc)
    if len(steps) != len(lines) or _key_tokens(blob) != _keys_set_all(steps):
        return -1
    if safety is not None and (over := _first_over_limit(steps, safety)) != -1:
        return over
    return [step.step_id for step in steps]


def _first_failed(exc: ValidationError) -> int:
    """The first element a schema error names; -1 for a JSON syntax error (its position
    may lie past the line at fault)."""
    where = [error["loc"][0] if error["loc"] else "" for error in exc.errors(include_url=False, include_input=False)]
    return min(i for i in where if isinstance(i, int)) if all(isinstance(i, int) for i in where) else -1


def _line_at(blob: bytes, found: re.Match[bytes] | None) -> int:
    """The line holding the match (a matched ``\\n`` counts for the line it starts)."""
    return -1 if found is None else blob.count(b"\n", 0, found.start() + 1)


def _key_tokens(blob: bytes) -> int:
    """``len(_KEY.findall(blob))``: without ``" `` in ``blob`` every match is ``":``."""
    return len(_KEY.findall(blob)) if b'" ' in blob else blob.count(b'":')


def _keys_set_all(models: Sequence[BaseModel]) -> int:
    """:func:`_keys_set` summed over ``models``, one level of nesting at a time."""
    count = sum(map(len, map(_FIELDS_SET, models)))
    nesting = {kind: _model_fields(kind) for kind in set(map(type, models))}
    names = set(nesting.values())
    if len(names) == 1:  # one shape (a level of steps: every one nests `parameters`): C-speed getters
        values = [value for name in names.pop() for value in map(attrgetter(name), models)]
    else:
        values = [getattr(model, name) for model in models for name in nesting[type(model)]]
    nested = [value for value in values if isinstance(value, BaseModel)]
    return count + (_keys_set_all(nested) if nested else 0)


_FIELDS_SET = attrgetter("__pydantic_fields_set__")  # the slot behind model_fields_set, without a property call
_NOT_PLAIN_LINES = re.compile(rb"[^\x20-\x5b\x5d-\x7e\n]")
_NOT_AN_OBJECT = re.compile(rb"\n(?!\{)")
_PLAIN_LINES = bytes([*range(0x20, 0x5C), *range(0x5D, 0x7F), 0x0A])
"""Printable ASCII but the backslash, and the newline between records: deleting these
from a batch leaves nothing when every record is plain (as :data:`_NOT_PLAIN` means)."""


def _first_over_limit(steps: Sequence[Step], safety: SafetyChecks) -> int:
    """Index of the first step with a parameter above its limit, -1 when none."""
    tables: dict[type[BaseModel], tuple[tuple[str, float], ...]] = {}  # hashing a model per step is slow
    for index, step in enumerate(steps):
        parameters = step.parameters
        table = tables.get(type(parameters))
        if table is None:
            table = tables[type(parameters)] = limit_table(type(parameters), safety)
        for name, limit in table:
            value = getattr(parameters, name)
            # the unit fields are floats or None (strict: no bool), as limit_violations assumes
            if value is not None and value > limit:
                return index
    return -1


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
