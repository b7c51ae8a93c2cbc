"""Copying the pointer row to ``latest.json`` in S3 (or deleting it when the row is empty).

S3 offers no compare-and-swap the emulator honours, so two writers may race; whoever
writes last re-reads the table and rewrites if it moved, so S3 converges on the table.
"""

from __future__ import annotations

from typing import Protocol

from chalicelib.publication import Pointer, pointer_key
from circulion.adapters.object_store import ObjectStore, put_json
from circulion.errors import TransientError

_ATTEMPTS = 3


class PointerSource(Protocol):
    def current_pointer(self, tenant_id: str, name: str) -> Pointer | None: ...


def sync(
    objects: ObjectStore,
    bucket: str,
    table: PointerSource,
    tenant_id: str,
    name: str,
    *,
    known: Pointer | None = None,
) -> Pointer | None:
    """Make the S3 pointer match the table's row; return what it holds now.

    ``known`` is the row as the caller's own conditional write or read just returned it:
    written without reading it again. The read after the write is what makes S3 converge,
    so it always happens.
    """
    for _ in range(_ATTEMPTS):
        pointer = known if known is not None else table.current_pointer(tenant_id, name)
        known = None
        if pointer is None:
            objects.delete(bucket, pointer_key(tenant_id, name))
        else:
            put_json(objects, bucket, pointer.object_key, pointer.document())
        if table.current_pointer(tenant_id, name) == pointer:
            return pointer
    raise TransientError(f"pointer {pointer_key(tenant_id, name)} kept moving while it was written")
