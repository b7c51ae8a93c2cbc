"""Which content type an upload goes as: ``--type``, else the extension, else the content.

The content type decides what the pipeline does with a file: a recipe document or stream is
validated, an asset is stored as it is. A recipe named ``bad.recipe`` must not slip through
as an asset because its extension says nothing, so a file whose extension is not a recipe
one is recognised by its first bytes: a JSON object with recipe fields is a document, a
first line that is a recipe header followed by more JSON lines is a stream.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from circulion_cli.errors import UsageError

DOCUMENT: Final = "application/json"
STREAM: Final = "application/x-ndjson"
ASSET: Final = "application/octet-stream"
CONTENT_TYPES: Final = (DOCUMENT, STREAM, ASSET)
TYPE_ALIASES: Final = {"document": DOCUMENT, "stream": STREAM, "asset": ASSET}
"""``--type`` takes the API's content types or these short names."""
KIND_OF: Final = {DOCUMENT: "recipe document", STREAM: "recipe stream", ASSET: "asset"}

EXTENSIONS: Final = {".json": DOCUMENT, ".ndjson": STREAM, ".jsonl": STREAM}
HEAD_BYTES = 64 * 1024
"""How much of a file is read to recognise it: a recipe's header comes first."""

HEADER_FIELDS: Final = frozenset({"name", "version", "robot", "safety_checks"})
_RECIPE_KEY = re.compile(rb'"(name|version|robot|safety_checks|steps)"\s*:')
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class TypeChoice:
    """The content type an upload uses and why, for the line the CLI prints."""

    content_type: str
    reason: str

    def describe(self) -> str:
        return f"type: {self.content_type} ({KIND_OF[self.content_type]}, {self.reason})"


def parse_type(text: str) -> str:
    """``--type``'s value as an API content type (``document``, ``stream``, ``asset`` or the type)."""
    value = TYPE_ALIASES.get(text.strip().lower(), text.strip().lower())
    if value not in CONTENT_TYPES:
        raise UsageError(f"--type {text!r}: choose one of {', '.join([*TYPE_ALIASES, *CONTENT_TYPES])}")
    return value


def choose_type(path: Path, explicit: str | None) -> TypeChoice:
    """The content type to upload ``path`` as.

    Raises
    ------
    UsageError
        The file looks like a recipe but neither a document nor a stream for sure: sending it
        as an asset would skip validation, so the user must say which with ``--type``.
    """
    if explicit is not None:
        return TypeChoice(parse_type(explicit), "from --type")
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension is not None:
        return TypeChoice(by_extension, f"from the extension {path.suffix}")
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    recognised = sniff(head)
    if recognised == "ambiguous":
        raise UsageError(
            f"{path} looks like a recipe but is neither a complete JSON document nor a stream; "
            "say what it is with --type document, --type stream or --type asset"
        )
    if recognised is not None:
        return TypeChoice(recognised, "recognised by its content")
    return TypeChoice(ASSET, "no recipe extension or content")


def sniff(head: bytes) -> str | None:
    """``DOCUMENT``, ``STREAM``, ``"ambiguous"`` (recipe fields, unclear shape) or ``None``.

    ``head`` is the start of the file (the whole file when it is short).
    """
    text = head.removeprefix(_BOM).lstrip()
    if not text.startswith(b"{"):
        return None
    first, _, rest = text.partition(b"\n")
    by_line = _by_first_line(first, rest)
    if by_line is not None:
        return by_line
    whole = _object(text)
    if whole is not None:
        return DOCUMENT if "steps" in whole or len(HEADER_FIELDS & whole.keys()) >= 2 else None
    return _by_keys(text, first, rest)


def _by_first_line(first: bytes, rest: bytes) -> str | None:
    line = _object(first)
    if line is None:
        return None
    if "steps" in line:
        return DOCUMENT  # a document written on one line
    if len(HEADER_FIELDS & line.keys()) >= 2:
        return STREAM  # a stream's header line (possibly with no step yet)
    if rest.strip().startswith(b"{") and "step_id" in line:
        return STREAM  # a header-less stream: rejected by validation, which says why
    return None


def _by_keys(text: bytes, first: bytes, rest: bytes) -> str | None:
    """Longer than the head, or broken JSON: judge by the keys the head shows."""
    keys = {match.group(1).decode() for match in _RECIPE_KEY.finditer(text)}
    if "steps" not in keys and len(HEADER_FIELDS & keys) < 2:
        return None
    second = _object(rest.lstrip().partition(b"\n")[0])
    if second is not None and "step_id" in second:
        return STREAM  # a broken header line before steps
    if first.rstrip().endswith((b"{", b",", b"[")) or len(text) >= HEAD_BYTES:
        return DOCUMENT  # pretty-printed, or too long to parse here
    return "ambiguous"


def _object(data: bytes) -> dict[str, object] | None:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
