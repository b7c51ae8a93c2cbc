"""Version ordering: the order key agrees with SemVer 2.0 precedence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.versions import UnorderableVersion, order_key, parse_version

ORDERED = [
    "0.0.1",
    "0.9.0",
    "1.0.0-0",
    "1.0.0-2",
    "1.0.0-10",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.2.0",
    "1.10.0",
    "2.0.0",
    "10.0.0",
]


def test_semver_spec_examples_are_in_order() -> None:
    keys = [order_key(v) for v in ORDERED]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


@pytest.mark.parametrize(
    ("short", "full"), [("1", "1.0.0"), ("1.2", "1.2.0"), ("v3.1.4", "3.1.4"), ("1.0.0+build.7", "1.0.0")]
)
def test_short_forms_and_build_metadata_rank_like_the_full_version(short: str, full: str) -> None:
    assert order_key(short) == order_key(full)


@pytest.mark.parametrize("bad", ["", "latest", "1.2.3.4", "01.2.3", "1.2.3-", "1..2", "1.2.3-a..b", "-1"])
def test_non_versions_are_refused(bad: str) -> None:
    with pytest.raises(UnorderableVersion):
        order_key(bad)


def _reference_cmp(a: str, b: str) -> int:
    """SemVer precedence, straight from the spec, to check the encoded key against."""

    def split(v: str) -> tuple[list[int], list[str] | None]:
        core, _, pre = v.partition("-")
        return [int(x) for x in core.split(".")], (pre.split(".") if pre else None)

    (ca, pa), (cb, pb) = split(a), split(b)
    if ca != cb:
        return -1 if ca < cb else 1
    if pa is None or pb is None:
        return (pa is None) - (pb is None)
    for x, y in zip(pa, pb, strict=False):
        if x == y:
            continue
        if x.isdigit() and y.isdigit():
            return -1 if int(x) < int(y) else 1
        if x.isdigit() != y.isdigit():
            return -1 if x.isdigit() else 1
        return -1 if x < y else 1
    return (len(pa) > len(pb)) - (len(pa) < len(pb))


_number = st.integers(min_value=0, max_value=10**12).map(str)
_word = st.text(alphabet="abcxyzAZ-", min_size=1, max_size=4).filter(lambda s: not s.isdigit())
_identifier = st.one_of(_number, _word, st.integers(0, 20).map(str))
_version = st.builds(
    lambda core, pre: ".".join(core) + ("-" + ".".join(pre) if pre else ""),
    st.lists(st.one_of(_number, st.integers(0, 3).map(str)), min_size=3, max_size=3),
    st.one_of(st.none(), st.lists(_identifier, min_size=1, max_size=4)),
)


@given(_version, _version)
def test_order_key_matches_semver_precedence(a: str, b: str) -> None:
    expected = _reference_cmp(a, b)
    ka, kb = order_key(a), order_key(b)
    assert (ka > kb) - (ka < kb) == expected


def test_parsed_versions_compare_by_precedence() -> None:
    assert parse_version("1.0.0-rc.1") < parse_version("1.0.0") < parse_version("1.0.1")
