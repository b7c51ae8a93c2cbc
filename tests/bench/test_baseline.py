"""The one-process baseline does the chunk workers' checks, so it is compared on the same work."""

from __future__ import annotations

from pathlib import Path

from bench import baseline
from circulion.recipes import examples
from circulion.recipes.file_validation import validate_file

DIRTY = [
    b'{"step_id":40,"action":"pick","target":"x","target":"y","parameters":{"grip_force_n":1}}\n',  # duplicate key
    b'{"step_id":41,"action":"pick","target":"x","parameters":{"grip_force_n":900}}\n',  # above max_force_n
    b'{"step_id":3,"action":"cut","target":"x","parameters":{"depth_mm":1}}\n',  # step id going back
    b'{"step_id":42,"action":"cut","target":"caf\xc3\xa9","parameters":{"depth_mm":1,"depth_mm":2}}\n',
    b'{"step_id":43,"action":"unscrew","target":"x","parameters":{"torque_nm":NaN}}\n',
]


def _stream(tmp_path: Path, extra: list[bytes]) -> Path:
    lines = list(examples.stream_lines(30))
    path = tmp_path / "stream.ndjson"
    path.write_bytes(b"".join(lines + extra + [examples.line(examples.step(i)) for i in range(60, 2000)]))
    return path


def test_a_clean_stream_has_no_issue_and_counts_every_record(tmp_path: Path) -> None:
    result = baseline.run(_stream(tmp_path, []), "stream", tmp_path)
    assert (result.records, result.invalid) == (1 + 30 + 1940, 0)


def test_the_baseline_finds_what_the_workers_find(tmp_path: Path) -> None:
    path = _stream(tmp_path, DIRTY)
    result = baseline.run(path, "stream", tmp_path)
    verdict = validate_file(str(path), "stream", processes=1)
    assert result.invalid == verdict.issue_count
    assert result.records == verdict.record_count
    codes = sorted(issue.code for issue in verdict.issues)
    assert codes == sorted(
        ["duplicate_key", "exceeds_safety_limit", "step_id_not_increasing", "duplicate_key", "non_finite_number"]
    )
