"""Does an uploaded object match its declaration? Size, SHA-256 and a content sniff.

The object is streamed with concurrent ranged reads (a window of ``concurrency`` ranges in
flight, so memory is bounded by ``concurrency * range_bytes``) while the hash consumes the
ranges strictly in order. UTF-8 is checked over the whole stream for JSON and NDJSON.

BOM decision: a UTF-8 byte order mark is *rejected* for JSON and NDJSON (RFC 8259 says
producers must not add one; accepting it would shift every byte offset the splitter and
the customer's error reports talk about).
"""

from __future__ import annotations

import codecs
import hashlib
import json

from circulion.contracts import ValidationIssue
from circulion.read_ahead import RangeReader, read_in_order

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
            try:
                self._decoder.decode(data)
            except UnicodeDecodeError as exc:
                self._not_utf8(self._offset + exc.start)
        self._offset += len(data)

    def finish(self) -> list[ValidationIssue]:
        if self._text:
            if not self._head_done:
                self._check_head(final=True)
            if not self._utf8_failed:
                try:
                    self._decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    self._not_utf8(self._offset)
        return self.issues

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


def check_object(
    read: RangeReader,
    actual_size: int,
    declared_size: int,
    declared_sha256: str,
    content_type: str,
    *,
    range_bytes: int,
    concurrency: int,
) -> list[ValidationIssue]:
    """Every way the object differs from its declaration (empty when it matches)."""
    if actual_size != declared_size:
        # No point hashing gigabytes that are already known to be wrong.
        return [
            ValidationIssue(
                code="size_mismatch", message=f"declared {declared_size} bytes, uploaded {actual_size} bytes"
            )
        ]
    digest = hashlib.sha256()
    sniffer = ContentSniffer(content_type)
    for data in read_in_order(read, actual_size, range_bytes, concurrency):
        digest.update(data)
        sniffer.feed(data)
    issues = sniffer.finish()
    actual = digest.hexdigest()
    if actual != declared_sha256:
        issues.insert(
            0,
            ValidationIssue(code="checksum_mismatch", message=f"declared SHA-256 {declared_sha256}, uploaded {actual}"),
        )
    return issues
