"""Recipes: the models of what customers upload, and the record-level checks workers run.

* a **document** (``application/json``) is :class:`RecipeDocument`;
* a **stream** (``application/x-ndjson``) is a :class:`RecipeHeader` line, then one
  :data:`Step` per line, step ids strictly increasing through the whole stream;
* an **asset** is opaque bytes and has no model.
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
