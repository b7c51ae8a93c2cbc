"""``FakeKey.value``, moto's S3 object body, patched once for two behaviours.

moto 5.2.5's ``FakeKey.value`` property reads the whole object out of its buffer (and
copies it) on every read, and on a write copies the new bytes in and leaves the MD5 to be
read back later. Two patches need it, so it is replaced once, here, by a property whose
getter and setter each add one thing and otherwise call moto's own:

* **read** (for :mod:`.ranges`): when the current thread's ranged ``get_object`` asked for
  a window (:func:`read_a_window_next`), the next read is a :class:`Window` onto the key
  that reads just the requested bytes; any other read is moto's.
* **write** (for :mod:`.object_bytes`): a completed upload's :class:`JoinedParts` is
  adopted as the key's storage (written once, by the completion); bytes are stored by
  moto and their MD5 (the ETag) is taken as they are stored.

Assumed: moto keeps the body in ``_value_buffer`` under ``lock``, its size in ``size``
and ``contentsize``, and the cached ETag in ``_etag`` (``None`` until computed).
"""

from __future__ import annotations

import threading
from typing import IO, Any

from circulion_local.emulator import patches

_hint = threading.local()


class Window:
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


class JoinedParts:
    """A completed upload's parts, written one after the other into the file that becomes
    the new object's storage: what :func:`.object_bytes.join_parts_once` hands moto instead
    of ``bytes`` (the value setter adopts the file)."""

    def __init__(self, buffer: IO[bytes]) -> None:
        self.buffer = buffer
        self._size = 0

    def append(self, value: bytes) -> None:
        self.buffer.write(value)
        self._size += len(value)

    def __len__(self) -> int:
        return self._size

    def __bytes__(self) -> bytes:
        self.buffer.seek(0)
        return self.buffer.read()


def read_a_window_next(wanted: bool) -> None:
    """Make (or stop making) this thread's next ``FakeKey.value`` read a :class:`Window`."""
    _hint.window = wanted


def patch_key_value() -> None:
    """Replace ``FakeKey.value`` (once; both behaviours)."""
    from moto.s3.models import FakeKey
    from moto.utilities.utils import md5_hash

    stored: property = patches.original(FakeKey, "value")

    def value(self: Any) -> Any:
        if getattr(_hint, "window", False):
            _hint.window = False  # the body is the one read get_object makes
            return Window(self)
        return stored.fget(self)  # type: ignore[misc]

    def set_value(self: Any, new_value: bytes | JoinedParts) -> None:
        if isinstance(new_value, JoinedParts):
            self._value_buffer.close()
            self._value_buffer = new_value.buffer  # written once, by the completion
            self.contentsize = len(new_value)
            return
        stored.fset(self, new_value)  # type: ignore[misc]
        if self._etag is None and isinstance(new_value, bytes | bytearray):
            self._etag = md5_hash(new_value).hexdigest()  # what FakeKey.etag would read back

    patches.patch(FakeKey, "value", property(value, set_value))
