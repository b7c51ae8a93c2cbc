"""Markdown tables generated from code and kept between two markers in a document.

docs/RECIPES.md's field tables (:mod:`circulion.recipes.format_table`) and docs/DEPLOY.md's
permission table (``deploy.permissions_table``) are written this one way: ``--write FILE``
replaces the text between the markers, ``--check FILE`` exits 1 when it is stale (a test
runs the same comparison), no option prints the tables.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


def markdown_table(headings: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GitHub Markdown table; cells are written as given (escape ``|`` in them first).

    Examples
    --------
    >>> print(markdown_table(("name", "size"), [("`a`", "1"), ("`b`", "")]))
    | name | size |
    |---|---|
    | `a` | 1 |
    | `b` |  |
    """
    lines = [_row(headings), "|" + "---|" * len(headings)]
    lines += [_row(cells) for cells in rows]
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


@dataclass(frozen=True)
class GeneratedSection:
    """Where a document holds generated text, and the command that regenerates it."""

    name: str
    """What the section holds, in messages (``permissions``)."""
    begin: str
    end: str
    command: str
    """``python -m ...``: how to run the generator."""

    def splice(self, document: str, generated: str) -> str:
        """``document`` with the text between the markers replaced by ``generated``.

        Raises
        ------
        ValueError
            When the document lacks the markers (or they are out of order).
        """
        start, end = document.find(self.begin), document.find(self.end)
        if start < 0 or end < start:
            raise ValueError(f"the document has no {self.name} markers")
        return document[: start + len(self.begin)] + "\n" + generated + "\n" + document[end:]

    def main(self, render: Callable[[], str], argv: Sequence[str] | None = None, description: str = "") -> int:
        """The generator's command line: print, ``--write FILE`` or ``--check FILE``."""
        parser = argparse.ArgumentParser(prog=self.command, description=description or None)
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--write", type=Path, help=f"replace the {self.name} text in this Markdown file")
        group.add_argument("--check", type=Path, help=f"exit 1 if this Markdown file's {self.name} text is stale")
        args = parser.parse_args(argv)
        generated = render()
        if args.write:
            args.write.write_text(self.splice(args.write.read_text(), generated))
        elif args.check:
            text = args.check.read_text()
            if self.splice(text, generated) != text:
                print(f"{args.check}: the {self.name} text is stale; run {self.command} --write {args.check}")
                return 1
        else:
            print(generated)
        return 0
