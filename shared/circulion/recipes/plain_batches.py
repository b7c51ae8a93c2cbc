"""Many plain step records judged in one decode: the chunk workers' common case.

A stream is mostly valid records; proving a window of them valid at once, without building
a pydantic model per record, is most of a chunk worker's saving. Anything short of proof
sends the window back to :meth:`~circulion.recipes.stream_check.StreamChecker.check_run`,
which narrows it down and checks suspects one by one the exact way
(:func:`~circulion.recipes.records.check_step`), so verdicts and messages are the exact
path's whatever this module decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from operator import attrgetter

import msgspec

from circulion.recipes.fast_steps import step_decoder
from circulion.recipes.safety import SafetyChecks

_ENCODER = msgspec.json.Encoder()
_STEP_ID = attrgetter("step_id")
_FAILED_AT = re.compile(r" - at `\$\[(\d+)\][^`]*`\Z")
"""Where msgspec says an error is: the end of its message (a key named in it is the customer's)."""
_NOT_PLAIN_LINES = re.compile(rb"[^\x20-\x5b\x5d-\x7e\n]")
_NOT_AN_OBJECT = re.compile(rb"\n(?!\{)")
_PLAIN_LINES = bytes([*range(0x20, 0x5C), *range(0x5D, 0x7F), 0x0A])
"""Printable ASCII but the backslash, and the newline between records: deleting these
from a batch leaves nothing when every record is plain."""


def plain_valid_steps(lines: Sequence[bytes], safety: SafetyChecks | None) -> list[int] | int:  # noqa: PLR0911
    """The step ids of ``lines`` when :func:`~circulion.recipes.records.check_step` would
    accept every one of them without a problem; otherwise the index of the first line
    suspected of one, or -1 when unknown (check the suspect one by one: nothing is lost;
    lines before it may still be bad, so they are tried again).

    The records, each starting with ``{`` and plain (printable ASCII, no backslash), are
    decoded as the JSON array ``[line,\nline,...]`` by :func:`step_decoder`, which accepts
    only steps the pydantic models accept within ``safety``'s limits. That array holding
    exactly ``len(lines)`` steps proves each line is one whole JSON value: no string spans
    a line boundary (JSON refuses a raw newline in a string); outside strings a boundary
    reads ``,{``, valid only between array elements, and the only array is the outer one
    (no step field accepts an array); so every line is one or more whole elements, and the
    counts make it one.

    Duplicate keys, which the decoder lets pass (the last one wins), are caught by
    counting ``"`` in the records and in the steps encoded again: without a backslash
    every ``"`` delimits a key or a string value, each string comes out as it went in
    (printable ASCII needs no escape) and an unset field stays out, so the counts are
    equal exactly when no key and its value were dropped, i.e. when no key repeats.
    """
    blob = b"\n".join(lines)
    if not lines or blob[:1] != b"{":
        return 0
    if blob.count(b"\n{") != len(lines) - 1:
        return _line_at(blob, _NOT_AN_OBJECT.search(blob))
    if blob.translate(None, _PLAIN_LINES):
        return _line_at(blob, _NOT_PLAIN_LINES.search(blob))
    try:
        steps = step_decoder(safety).decode(b"[" + blob.replace(b"\n", b",\n") + b"]")
    except msgspec.ValidationError as exc:
        return _failed_element(str(exc), len(lines))
    except msgspec.DecodeError:
        return -1  # a syntax error's position may lie past the line at fault
    if len(steps) != len(lines) or _ENCODER.encode(steps).count(b'"') != blob.count(b'"'):
        return -1
    return list(map(_STEP_ID, steps))


def _failed_element(message: str, count: int) -> int:
    """The element a validation error names, -1 when it names none of ``count``."""
    found = _FAILED_AT.search(message)
    index = int(found.group(1)) if found else -1
    return index if 0 <= index < count else -1


def _line_at(blob: bytes, found: re.Match[bytes] | None) -> int:
    """The line holding the match (a matched ``\\n`` counts for the line it starts)."""
    return -1 if found is None else blob.count(b"\n", 0, found.start() + 1)
