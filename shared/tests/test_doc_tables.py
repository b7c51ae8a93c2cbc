"""The one way generated Markdown tables are written into, and checked in, documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from circulion.doc_tables import GeneratedSection, markdown_table

SECTION = GeneratedSection(name="sizes", begin="<!-- sizes:begin -->", end="<!-- sizes:end -->", command="gen")
TABLE = markdown_table(("name", "size"), [("`a`", "1"), ("`b`", "")])


def test_a_table_is_a_heading_row_a_rule_and_one_row_per_item() -> None:
    assert TABLE.splitlines() == ["| name | size |", "|---|---|", "| `a` | 1 |", "| `b` |  |"]


def test_check_fails_on_a_stale_document_and_write_makes_it_fresh(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "DOC.md"
    doc.write_text(f"intro\n{SECTION.begin}\nold table\n{SECTION.end}\noutro\n")
    assert SECTION.main(lambda: TABLE, ["--check", str(doc)]) == 1
    assert f"the sizes text is stale; run gen --write {doc}" in capsys.readouterr().out
    assert SECTION.main(lambda: TABLE, ["--write", str(doc)]) == 0
    assert doc.read_text() == f"intro\n{SECTION.begin}\n{TABLE}\n{SECTION.end}\noutro\n"
    assert SECTION.main(lambda: TABLE, ["--check", str(doc)]) == 0


def test_a_document_without_the_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="no sizes markers"):
        SECTION.splice(f"{SECTION.end} before {SECTION.begin}", TABLE)
