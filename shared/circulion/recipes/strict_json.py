"""Parsing untrusted JSON so that every hostile input becomes a :class:`Problem`.

``json.loads`` accepts things a recipe must not contain (duplicate keys — last one wins
silently —, ``NaN``/``Infinity``, ``1e400`` turning into ``inf``) and raises things a
worker must not crash on (``RecursionError`` on deep nesting, ``ValueError`` on integers
of more than 4300 digits). This module closes both gaps.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

BOM = "\ufeff"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record, before it is placed in the file.

    ``offset`` is the byte offset inside the record when the problem has one.
    """

    code: str
    message: str
    step_id: int | None = None
    offset: int | None = None
    line: int | None = None


class _Rejected(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Rejected("duplicate_key", f"key {key[:80]!r} appears more than once in an object")
            seen.add(key)
    return result


def _no_constant(name: str) -> float:
    raise _Rejected("non_finite_number", f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Rejected("number_out_of_range", f"{text[:40]} is beyond the range of a double")
    return value


def loads(data: bytes) -> object | Problem:
    """Parse one JSON value from UTF-8 bytes, or say why it cannot be accepted."""
    text = _text(data)
    if isinstance(text, Problem):
        return text
    try:
        value: object = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant, parse_float=_finite
        )
    except _Rejected as exc:
        return Problem(exc.code, exc.message)
    except json.JSONDecodeError as exc:
        offset = len(text[: exc.pos].encode("utf-8"))
        return Problem(
            "invalid_json", f"{exc.msg} (line {exc.lineno}, column {exc.colno})", offset=offset, line=exc.lineno
        )
    except RecursionError:
        return Problem("too_deeply_nested", "JSON nesting is too deep")
    except ValueError as exc:  # int() refusing thousands of digits
        return Problem("number_out_of_range", f"a number is out of range: {str(exc)[:120]}")
    return value


def _text(data: bytes) -> str | Problem:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Problem("invalid_utf8", f"invalid UTF-8 at byte {exc.start}: {exc.reason}", offset=exc.start)
    if text.startswith(BOM):
        return Problem("byte_order_mark", "the file starts with a UTF-8 byte order mark; save it without one", offset=0)
    return text
