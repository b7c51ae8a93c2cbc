"""pydantic's validation errors as problems, placed as the customer's file counts them."""

from __future__ import annotations

from pydantic import ValidationError

from circulion.recipes.strict_json import Problem

MAX_SCHEMA_PROBLEMS = 5
"""Schema errors reported per record: one broken record must not flood the report."""

MAX_MESSAGE = 500


def document_schema_problems(exc: ValidationError, raw_steps: object) -> list[Problem]:
    """Schema problems of a document, a step's named by its ``step_id`` as the file counts.

    pydantic's location indexes ``steps`` from 0, while a recipe's steps are numbered by their
    own ``step_id`` (from 1 in every example): "steps.0" reads as the wrong step."""
    steps = raw_steps if isinstance(raw_steps, list) else []
    problems = []
    for error in exc.errors(include_url=False, include_input=False)[:MAX_SCHEMA_PROBLEMS]:
        loc = list(error["loc"])
        step_id = None
        if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
            index = loc[1]
            raw = steps[index] if index < len(steps) and isinstance(steps[index], dict) else {}
            raw_id = raw.get("step_id")
            step_id = raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None
            place = f"step_id {step_id}" if step_id is not None else f"step #{index + 1} (no valid step_id)"
            rest = ".".join(str(part) for part in loc[2:])
            where = f"{place}: {rest}" if rest else place
        else:
            where = ".".join(str(part) for part in loc) or "document"
        problems.append(Problem("schema_violation", f"document {where}: {error['msg']}"[:MAX_MESSAGE], step_id=step_id))
    return problems


def schema_problems(exc: ValidationError, what: str, step_id: int | None = None) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False, include_input=False)[:MAX_SCHEMA_PROBLEMS]:
        where = ".".join(str(part) for part in error["loc"]) or what
        problems.append(Problem("schema_violation", f"{what} {where}: {error['msg']}"[:MAX_MESSAGE], step_id=step_id))
    return problems
