"""Does an uploaded file's content match its declared type? The upload service's first
check, before any chunk is validated; ``circulion validate`` runs it too, so a file the
upload would refuse at this stage is refused offline with the same issues.

UTF-8 is checked over the whole file for JSON and NDJSON; a document must start with
``{`` or ``[``, a stream's first line must be a JSON object. BOM decision: a UTF-8 byte
order mark is *rejected* for JSON and NDJSON (RFC 8259 says producers must not add one;
accepting it would shift every byte offset the splitter and the customer's error reports
talk about).
"""

from __future__ import annotations

import codecs
import json

from circulion.contracts.events import RecipeKind, ValidationIssue

CONTENT_TYPES: dict[RecipeKind, str] = {
    "document": "application/json",
    "stream": "application/x-ndjson",
    "asset": "application/octet-stream",
}
PIECE_BYTES = 2 * 1024 * 1024

FIRST_LINE_LIMIT = 1024 * 1024
UTF8_BOM = b"\xef\xbb\xbf"


class ContentSniffer:
    """Incremental checks of the bytes against the declared content type."""

    def __init__(self, content_type: str) -> None:
        self._text = content_type in ("application/json", "application/x-ndjson")
        self._content_type = content_type
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._offset = 0
        self._head = bytearray()
        self._head_done = not self._text
        self.issues: list[ValidationIssue] = []
        self._utf8_failed = False

    def feed(self, data: bytes) -> None:
        if not self._text:
            return
        if not self._head_done:
            self._head.extend(data[: FIRST_LINE_LIMIT + 1 - len(self._head)])
            if b"\n" in self._head or len(self._head) > FIRST_LINE_LIMIT:
                self._check_head(final=False)
        if not self._utf8_failed:
            self._decode(data, final=False)
        self._offset += len(data)

    def finish(self) -> list[ValidationIssue]:
        if self._text:
            if not self._head_done:
                self._check_head(final=True)
            if not self._utf8_failed:
                self._decode(b"", final=True)
        return self.issues

    def _decode(self, data: bytes, *, final: bool) -> None:
        # The decoder holds back the start of a sequence cut by the previous piece, and an
        # error's start counts from those held bytes: the offset is the one decoding the
        # whole file at once would give, wherever the pieces were cut.
        held = len(self._decoder.getstate()[0])
        try:
            self._decoder.decode(data, final=final)
        except UnicodeDecodeError as exc:
            self._not_utf8(self._offset - held + exc.start)

    def _not_utf8(self, offset: int) -> None:
        self._utf8_failed = True
        self.issues.append(ValidationIssue(code="not_utf8", message="the file is not valid UTF-8", byte_offset=offset))

    def _check_head(self, *, final: bool) -> None:
        self._head_done = True
        head = bytes(self._head)
        if head.startswith(UTF8_BOM):
            self.issues.append(
                ValidationIssue(code="bom_not_allowed", message="remove the UTF-8 byte order mark", byte_offset=0)
            )
            return
        if self._content_type == "application/json":
            stripped = head.lstrip(b" \t\r\n")
            if not stripped.startswith((b"{", b"[")):
                self.issues.append(
                    ValidationIssue(code="not_json", message="a JSON recipe document must start with '{' or '['")
                )
            return
        line, newline, _ = head.partition(b"\n")
        if not newline and not final:
            self.issues.append(
                ValidationIssue(
                    code="first_line_too_long",
                    message=f"the first NDJSON line is over {FIRST_LINE_LIMIT} bytes",
                    line=1,
                )
            )
            return
        try:
            first = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            first = None
        if not isinstance(first, dict):
            self.issues.append(
                ValidationIssue(
                    code="first_line_not_object", message="the first NDJSON line must be a JSON object", line=1
                )
            )


class FileSniff:
    """:class:`ContentSniffer` over a local file, a piece per :meth:`step`."""

    def __init__(self, path: str, content_type: str) -> None:
        self._path = path
        self._offset = 0
        self._sniffer = ContentSniffer(content_type)
        self._done = content_type not in ("application/json", "application/x-ndjson")

    def step(self) -> bool:
        """Check the next piece; ``False`` once the whole file is checked."""
        if self._done:
            return False
        with open(self._path, "rb") as handle:
            handle.seek(self._offset)
            piece = handle.read(PIECE_BYTES)
        self._offset += len(piece)
        if piece:
            self._sniffer.feed(piece)
        self._done = not piece
        return not self._done

    def issues(self) -> list[ValidationIssue]:
        """Check what is left; the issues the upload would refuse the file with."""
        while self.step():
            pass
        return self._sniffer.finish()
