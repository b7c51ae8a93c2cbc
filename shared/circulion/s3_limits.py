"""S3's multipart limits: the upload service plans parts within them, the merger assembles
archives within them; one statement of them here so both plan for the same S3.

See https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html.
"""

from __future__ import annotations

MIB = 1024 * 1024

S3_MIN_PART_BYTES = 5 * MIB
"""S3 rejects a multipart upload whose non-final parts are smaller."""

S3_MAX_PART_BYTES = 5 * 1024 * MIB
"""The largest part (uploaded or copied) S3 accepts."""

S3_MAX_PARTS = 10_000
"""Parts per multipart upload."""
