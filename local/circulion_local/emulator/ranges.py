"""Ranged S3 GETs that read only their range, in the local emulator.

moto 5.2.5 answers ``GET`` with ``Range: bytes=a-b`` by reading the WHOLE object out of
its buffer (and copying it) and then slicing: every 2 MiB piece a chunk worker reads of a
1 GiB upload moved 2 GiB through the emulator, so processing grew with the square of the
recipe's size (8 MiB chunks took 11 s, then 20 s, as the upload grew) — an emulator
artefact, since S3 serves a range in time proportional to the range. Here ``get_object``
with a single closed range hands moto's range code a window onto the key that reads just
the requested bytes, under the key's lock. Everything else takes moto's own path.

Assumed: moto's range code asks the body only for its length and one slice, and the first
``FakeKey.value`` read of such a ``get_object`` on its thread is the body.
"""

from __future__ import annotations

import re
from typing import Any

from circulion_local.emulator import patches
from circulion_local.emulator.key_value import patch_key_value, read_a_window_next

_CLOSED_RANGE = re.compile(r"bytes=(\d{1,19})-(\d{1,19})")


def serve_ranges_in_place() -> None:
    """Patch moto's S3 (once): a closed single range reads only its bytes."""
    from moto.s3.responses import S3Response

    original_get: Any = patches.original(S3Response, "get_object")

    def get_object(self: Any) -> Any:
        wanted = _CLOSED_RANGE.fullmatch(self.headers.get("range") or "")
        if wanted is None or int(wanted[1]) > int(wanted[2]) or self._get_int_param("partNumber"):
            return original_get(self)
        read_a_window_next(True)
        try:
            return original_get(self)
        finally:
            read_a_window_next(False)

    patches.patch(S3Response, "get_object", get_object)
    patch_key_value()  # the window the range code reads (:mod:`.key_value`)
