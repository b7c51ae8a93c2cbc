"""The whole-recipe rules the merger and ``circulion validate`` share: a stream cut into
several chunks gets the verdict it gets as one chunk, ``no_steps`` included."""

from __future__ import annotations

from pathlib import Path

import pytest

from circulion.contracts.events import StepIdRange, ValidationIssue
from circulion.recipes import examples
from circulion.recipes.file_validation import validate_file
from circulion.recipes.limits import ValidationLimits
from circulion.recipes.whole_recipe import whole_recipe_issues

NO_STEPS = ValidationIssue(code="no_steps", message="the stream has no steps", chunk_index=0)


@pytest.mark.parametrize("chunk_size", [64, 1 << 20], ids=["several chunks", "one chunk"])
def test_a_header_only_stream_is_no_steps_however_it_is_cut(tmp_path: Path, chunk_size: int) -> None:
    path = tmp_path / "header-only.ndjson"
    path.write_bytes(examples.line(examples.HEADER) + b"\n" * 300)  # blank lines are ignored
    limits = ValidationLimits(chunk_size_bytes=chunk_size, direct_threshold_bytes=0)
    verdict = validate_file(str(path), "stream", limits, processes=1)
    assert (verdict.chunks > 1) == (chunk_size == 64)
    assert not verdict.valid and verdict.issue_count == 1
    assert verdict.issues == [NO_STEPS]


def test_no_steps_needs_a_stream_with_no_step_in_any_chunk_and_nothing_else_wrong() -> None:
    none = [None, None, None]
    assert whole_recipe_issues("stream", none, [1, 2, 3], 0) == [NO_STEPS]
    assert whole_recipe_issues("stream", [None, StepIdRange(first=1, last=2), None], None, 0) == []
    assert whole_recipe_issues("stream", none, None, 2) == []  # broken steps are reported as such
    assert whole_recipe_issues("asset", none, None, 0) == []
    assert whole_recipe_issues("document", [None], None, 0) == []


def test_the_step_order_rule_still_applies_across_chunks() -> None:
    ranges = [StepIdRange(first=1, last=9), None, StepIdRange(first=4, last=12)]
    (issue,) = whole_recipe_issues("stream", ranges, None, 0)
    assert (issue.code, issue.chunk_index, issue.step_id) == ("step_id_not_increasing", 2, 4)
