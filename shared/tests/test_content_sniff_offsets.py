"""The content check's ``not_utf8`` offset is where the file goes wrong, however it is fed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from circulion.recipes.content_sniff import CONTENT_TYPES, ContentSniffer

VALID = "é€😀ab\n".encode()


def not_utf8_offsets(data: bytes, cuts: list[int]) -> list[int | None]:
    sniffer = ContentSniffer(CONTENT_TYPES["stream"])
    start = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        sniffer.feed(data[start:cut])
        start = max(start, cut)
    sniffer.feed(data[start:])
    return [issue.byte_offset for issue in sniffer.finish() if issue.code == "not_utf8"]


def whole_file_offset(data: bytes) -> int | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return None


@given(
    prefix=st.integers(0, 40),
    bad=st.sampled_from([b"\xff", b"\xc3(", b"\xe2\x82", b"\xf0\x9f\x98", b"\xed\xa0\x80"]),
    tail=st.booleans(),
    cuts=st.lists(st.integers(0, 400), max_size=6),
)
def test_the_offset_is_the_whole_files_wherever_the_pieces_are_cut(
    prefix: int, bad: bytes, tail: bool, cuts: list[int]
) -> None:
    data = b'{"recipe_id": "x"}\n' + VALID * prefix + bad + (VALID if tail else b"")
    expected = whole_file_offset(data)
    assert expected is not None
    assert not_utf8_offsets(data, cuts) == [expected]


def test_a_sequence_cut_by_the_pieces_is_not_an_error() -> None:
    data = b'{"recipe_id": "x"}\n' + VALID * 3
    assert not_utf8_offsets(data, list(range(len(data)))) == []
