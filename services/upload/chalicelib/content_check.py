"""Does an uploaded object match its declaration? Size, SHA-256 and a content sniff.

The object is streamed with concurrent ranged reads (a window of ``concurrency`` ranges in
flight, so memory is bounded by ``concurrency * range_bytes``) while the hash consumes the
ranges strictly in order. UTF-8 is checked over the whole stream for JSON and NDJSON.

BOM decision: a UTF-8 byte order mark is *rejected* for JSON and NDJSON (RFC 8259 says
producers must not add one; accepting it would shift every byte offset the splitter and
the customer's error reports talk about).
"""

from __future__ import annotations

import hashlib

from circulion.contracts import ValidationIssue
from circulion.read_ahead import RangeReader, read_in_order
from circulion.recipes.content_sniff import FIRST_LINE_LIMIT, UTF8_BOM, ContentSniffer

__all__ = ["FIRST_LINE_LIMIT", "UTF8_BOM", "ContentSniffer", "check_object"]


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
