"""Every pattern guarding a key segment, a path or a tenant matches whole strings only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from circulion import identifiers
from circulion.identifiers import field_pattern, is_full_match
from circulion.recipes.safety import SEMVER

REPO = Path(__file__).resolve().parents[2]
VALID = {
    identifiers.RECIPE_NAME: "screw-removal_2.v1",
    identifiers.RECIPE_ID: "0123456789abcdef0123456789abcdef",
    identifiers.RECIPE_VERSION: "12.0.345",
    identifiers.SHA256_HEX: "aB" * 32,
    identifiers.SHA256_HEX_LOWER: "ab" * 32,
    SEMVER: "1.2.3-rc.1+build.7",
}
CONTROL = st.characters(categories=["Cc"]) | st.sampled_from(["\u2028", "\u2029", "\x85"])


def _with(text: str, char: str, where: int) -> str:
    at = min(where, len(text))  # past the end means at the end, where a loose $ let it through
    return text[:at] + char + text[at:]


@pytest.mark.parametrize("body", list(VALID))
def test_the_valid_examples_match(body: str) -> None:
    assert is_full_match(body, VALID[body])


@pytest.mark.parametrize("body", list(VALID))
@given(char=CONTROL, where=st.integers(min_value=0))
@example(char="\n", where=10_000)
def test_a_control_character_anywhere_is_refused_in_python_and_in_pydantic(body: str, char: str, where: int) -> None:
    text = _with(VALID[body], char, where)
    assert not is_full_match(body, text)

    class Checked(BaseModel):
        value: str = Field(pattern=field_pattern(body))

    with pytest.raises(ValidationError):
        Checked(value=text)


def test_a_trailing_newline_is_what_re_match_let_through() -> None:
    assert re.match(f"^{identifiers.RECIPE_NAME}$", "arm\n")  # the old check
    assert not is_full_match(identifiers.RECIPE_NAME, "arm\n")


def test_a_top_level_alternation_cannot_be_anchored_by_accident() -> None:
    with pytest.raises(ValueError, match="alternation"):
        field_pattern("a|b")
    assert field_pattern("(a|b)c") == "^(a|b)c$"


_ANCHORED_MATCH = re.compile(r"""re\.(?:match|compile)\(\s*r?["']\^[^"'\n]*\$["']""")


def test_no_source_file_anchors_a_pattern_with_a_loose_dollar() -> None:
    """``^...$`` with ``re.match``/``re.compile`` accepts a trailing newline: use ``fullmatch``."""
    offenders = []
    for folder in ("shared/circulion", "services", "local/circulion_local", "cli/circulion_cli", "deploy"):
        for path in (REPO / folder).rglob("*.py"):
            if "vendor" in path.parts or "tests" in path.parts:
                continue
            offenders += [f"{path.relative_to(REPO)}: {m[0]}" for m in _ANCHORED_MATCH.finditer(path.read_text())]
    assert offenders == []
