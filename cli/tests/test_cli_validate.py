"""``circulion validate`` (offline verdicts, exit codes) and the check before ``upload``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import EXAMPLES, cli
from fake_api import TOKEN, FakeApi

from circulion.recipes import examples

MIB = 1024 * 1024


def write_stream(path: Path, size: int, bad_line: int | None = None) -> Path:
    """A stream of about ``size`` bytes; line ``bad_line`` (1-based) gets a torque over its range."""
    with path.open("wb") as out:
        for number, line in enumerate(examples.stream_lines(size // 90), start=1):
            if number == bad_line:
                step = json.loads(line)
                out.write(examples.line({**step, "action": "unscrew", "parameters": {"torque_nm": 900.0}}))
            else:
                out.write(line)
    return path


def test_the_bad_torque_example_exits_1_naming_the_parameter_and_its_limit() -> None:
    code, out, _ = cli("validate", str(EXAMPLES / "bad-torque.json"))
    assert code == 1
    assert "torque_nm" in out and "less than or equal to 50" in out


@pytest.mark.parametrize("name", ["arm.ndjson", "arm.json"])
def test_the_valid_examples_exit_0(name: str) -> None:
    code, out, err = cli("validate", str(EXAMPLES / name))
    assert (code, out) == (0, "")
    assert "valid" in err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert cli("validate", str(tmp_path / "missing.json"))[0] == 2
    assert cli("validate", str(EXAMPLES / "arm.json"), "--type", "text/csv")[0] == 2
    with pytest.raises(SystemExit) as usage:
        cli("validate")
    assert usage.value.code == 2


def test_the_type_overrides_the_extension(tmp_path: Path) -> None:
    copy = tmp_path / "arm.txt"
    copy.write_bytes((EXAMPLES / "arm.ndjson").read_bytes())
    assert cli("validate", str(copy), "--type", "application/x-ndjson")[0] == 0
    assert cli("validate", str(copy), "--type", "document")[0] == 1  # many JSON values: not one document


def test_a_large_stream_is_judged_over_byte_ranges_with_file_positions(tmp_path: Path) -> None:
    path = write_stream(tmp_path / "big.ndjson", 12 * MIB, bad_line=120_000)  # past the first 8 MiB chunk
    code, out, _ = cli("validate", str(path), "--json", "--processes", "2")
    assert code == 1
    verdict = json.loads(out)
    (issue,) = verdict["issues"]
    assert (issue["code"], issue["line"], issue["step_id"]) == ("schema_violation", 120_000, 119_999)
    with path.open("rb") as handle:
        lines = handle.read().split(b"\n")
    assert issue["byte_offset"] == sum(len(line) + 1 for line in lines[: 120_000 - 1])
    assert issue["chunk_index"] == 1 and verdict["issue_count"] == 1


def test_progress_is_drawn_for_a_stream_of_several_ranges(tmp_path: Path) -> None:
    path = write_stream(tmp_path / "big.ndjson", 11 * MIB)
    code, _, err = cli("validate", str(path))
    assert code == 0
    assert "validate 100.0%" in err


def test_upload_refuses_an_invalid_30_mb_stream_before_creating_a_recipe(
    fake: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIRCULION_API_URL", fake.url)
    monkeypatch.setenv("CIRCULION_TOKEN", TOKEN)
    monkeypatch.setenv("CIRCULION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CIRCULION_VALIDATE_UP_TO")  # the default: 64 MiB
    path = write_stream(tmp_path / "arm.ndjson", 30_000_000, bad_line=300_000)
    assert path.stat().st_size > 29_000_000

    code, out, err = cli("upload", str(path), "--quiet")

    assert code == 1 and out == ""
    assert "exceeds_safety_limit" not in err and "torque_nm" in err
    assert f"{path}:300000:" in err and "nothing was uploaded" in err
    assert fake.recipes == {}  # no POST /recipes reached the API


def test_a_stream_above_the_limit_is_checked_only_with_validate(
    fake: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIRCULION_API_URL", fake.url)
    monkeypatch.setenv("CIRCULION_TOKEN", TOKEN)
    monkeypatch.setenv("CIRCULION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CIRCULION_VALIDATE_UP_TO", "1000")
    path = write_stream(tmp_path / "arm.ndjson", 5000, bad_line=3)

    code, _, err = cli("upload", str(path), "--validate", "--quiet")
    assert code == 1 and fake.recipes == {}
    code, _, err = cli("upload", str(path), "--name", "arm")  # named: the header's version is taken after one
    assert code == 0 and "pass --validate" in err and len(fake.recipes) == 1
    monkeypatch.setenv("CIRCULION_VALIDATE_UP_TO", str(MIB))
    code, _, _ = cli("upload", str(path), "--quiet", "--no-validate", "--name", "arm")
    assert code == 0 and len(fake.recipes) == 2  # the server stays the authority


def test_an_invalid_document_is_refused_whatever_its_size(
    fake: FakeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIRCULION_API_URL", fake.url)
    monkeypatch.setenv("CIRCULION_TOKEN", TOKEN)
    monkeypatch.setenv("CIRCULION_CACHE_DIR", str(tmp_path / "cache"))
    code, _, err = cli("upload", str(EXAMPLES / "bad-torque.json"), "--quiet")
    assert code == 1 and "torque_nm" in err and fake.recipes == {}
