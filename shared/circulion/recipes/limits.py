"""The sizes the pipeline validates against, in one place: the splitter's settings default
to them and the offline validator (``circulion validate``) uses them, so both cut and
judge a file alike."""

from __future__ import annotations

from dataclasses import dataclass

from circulion.contracts.events import MAX_ISSUES_PER_MESSAGE

MiB = 1024 * 1024

CHUNK_SIZE_BYTES = 8 * MiB
DIRECT_THRESHOLD_BYTES = 5 * MiB
MAX_DOCUMENT_BYTES = 5 * MiB
"""A JSON document is validated whole, so it is capped well below a chunk."""
MAX_RECORD_BYTES = 1 * MiB
"""One NDJSON line; a longer one is ``record_too_long``."""
MAX_REPORT_ISSUES = 10_000
"""Issues kept per chunk and in the merged report; the count still says how many there were."""


@dataclass(frozen=True)
class ValidationLimits:
    """What :class:`~circulion.recipes.chunk_validation.ChunkValidator` needs to know."""

    max_record_bytes: int = MAX_RECORD_BYTES
    max_document_bytes: int = MAX_DOCUMENT_BYTES
    max_issues_per_chunk: int = MAX_ISSUES_PER_MESSAGE
    max_report_issues: int = MAX_REPORT_ISSUES
    chunk_size_bytes: int = CHUNK_SIZE_BYTES
    direct_threshold_bytes: int = DIRECT_THRESHOLD_BYTES
