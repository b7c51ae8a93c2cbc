"""Recipes: the models of what customers upload, and the record-level checks workers run.

* a **document** (``application/json``) is :class:`RecipeDocument`;
* a **stream** (``application/x-ndjson``) is a :class:`RecipeHeader` line, then one
  :data:`Step` per line, step ids strictly increasing through the whole stream;
* an **asset** is opaque bytes and has no model.

The pipeline's validation lives here too, so the chunk workers, the merger and
``circulion validate`` run one copy: :mod:`~circulion.recipes.scanning` (which records a
byte range owns), :mod:`~circulion.recipes.chunk_validation` (one range),
:mod:`~circulion.recipes.merge` (the report), :mod:`~circulion.recipes.content_sniff` (the
upload's first check) and :mod:`~circulion.recipes.file_validation` (a whole local file, in
parallel). :mod:`~circulion.recipes.json_schema` publishes the format as JSON Schema.
"""

from circulion.recipes.document import RecipeDocument
from circulion.recipes.ordering import lines_before, step_order_issues, with_file_lines
from circulion.recipes.records import (
    DocumentCheck,
    HeaderCheck,
    StepCheck,
    check_document,
    check_header,
    check_step,
    is_blank,
    order_problem,
)
from circulion.recipes.safety import RecipeHeader, Robot, SafetyChecks
from circulion.recipes.steps import ACTIONS, STEP, LimitViolation, Pose, Step, limit_violations
from circulion.recipes.strict_json import Problem, loads

__all__ = [
    "ACTIONS",
    "STEP",
    "DocumentCheck",
    "HeaderCheck",
    "LimitViolation",
    "Pose",
    "Problem",
    "RecipeDocument",
    "RecipeHeader",
    "Robot",
    "SafetyChecks",
    "Step",
    "StepCheck",
    "check_document",
    "check_header",
    "check_step",
    "is_blank",
    "limit_violations",
    "lines_before",
    "loads",
    "order_problem",
    "step_order_issues",
    "with_file_lines",
]
