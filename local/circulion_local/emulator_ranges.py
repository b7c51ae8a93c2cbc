"""Ranged S3 GETs that read only their range, in the local emulator.

moto 5.2.5 answers ``GET`` with ``Range: bytes=a-b`` by reading the WHOLE object out of
its buffer (and copying it) and then slicing: every 2 MiB piece a chunk worker reads of a
1 GiB upload moved 2 GiB through the emulator, so processing grew with the square of the
recipe's size (8 MiB chunks took 11 s, then 20 s, as the upload grew) — an emulator
artefact, since S3 serves a range in time proportional to the range. Here ``get_object``
with a single closed range hands moto's range code a window onto the key that reads just
the requested bytes, under the key's lock. Everything else takes moto's own path.
"""

from __future__ import annotations

import re
import threading
from typing import Any

_CLOSED_RANGE = re.compile(r"bytes=(\d{1,19})-(\d{1,19})")
_MARK = "_circulion_ranged"
_hint = threading.local()


class _Window:
    """What moto's range handling needs of a body: its length and one slice."""

    def __init__(self, key: Any) -> None:
        self._key = key

    def __len__(self) -> int:
        return int(self._key.size)

    def __getitem__(self, part: slice) -> bytes:
        start, stop, _ = part.indices(len(self))
        with self._key.lock:
            self._key._value_buffer.seek(start)  # the buffer moto would read whole
            return bytes(self._key._value_buffer.read(max(0, stop - start)))


def serve_ranges_in_place() -> None:
    """Patch moto's S3 (idempotent): a closed single range reads only its bytes."""
    from moto.s3.models import FakeKey
    from moto.s3.responses import S3Response

    original_get: Any = S3Response.get_object
    if getattr(original_get, _MARK, False):
        return
    original_value: property = FakeKey.value  # type: ignore[assignment]

    def get_object(self: Any) -> Any:
        wanted = _CLOSED_RANGE.fullmatch(self.headers.get("range") or "")
        if wanted is None or int(wanted[1]) > int(wanted[2]) or self._get_int_param("partNumber"):
            return original_get(self)
        _hint.window = True
        try:
            return original_get(self)
        finally:
            _hint.window = False

    def value(self: Any) -> Any:
        if getattr(_hint, "window", False):
            _hint.window = False  # the body is the one read get_object makes
            return _Window(self)
        return original_value.fget(self)  # type: ignore[misc]

    setattr(get_object, _MARK, True)
    S3Response.get_object = get_object  # type: ignore[method-assign]
    FakeKey.value = property(value, original_value.fset)  # type: ignore[assignment, method-assign]
