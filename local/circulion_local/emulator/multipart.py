"""The emulator's S3 answers ``404 NoSuchUpload`` for a multipart upload that is gone, as S3 does.

moto 5.2.5 looks the upload up with ``bucket.multiparts[upload_id]`` in ``upload_part``,
``complete_multipart_upload`` and ``is_truncated``: a part sent after the upload was
completed, or a completion that an abort beat (or that met one mid-way), raised
``KeyError``, a ``500`` with an HTML body that clients took for a server fault (the upload
API turned it into a 503). A ``KeyError`` from those calls whose upload id is no longer
there is now S3's ``NoSuchUpload``; any other ``KeyError`` stays what it was.

Assumed: those four calls take ``(bucket_name, multipart_id, ...)`` and a finished upload is no
longer in ``bucket.multiparts``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from circulion_local.emulator import patches

_CALLS = ("upload_part", "upload_part_copy", "complete_multipart_upload", "is_truncated")


def answer_no_such_upload() -> None:
    """Patch moto's S3 backend (once)."""
    from moto.s3.models import S3Backend

    for name in _CALLS:
        patches.patch(S3Backend, name, _gone_is_no_such_upload(patches.original(S3Backend, name)))


def _gone_is_no_such_upload(call: Callable[..., Any]) -> Callable[..., Any]:
    from moto.s3.exceptions import NoSuchUpload

    @functools.wraps(call)
    def wrapped(self: Any, bucket_name: str, multipart_id: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(self, bucket_name, multipart_id, *args, **kwargs)
        except KeyError:
            if multipart_id in self.get_bucket(bucket_name).multiparts:
                raise
            raise NoSuchUpload(upload_id=multipart_id) from None

    return wrapped
