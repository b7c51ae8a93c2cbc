"""moto's models are not kept alive by moto's own instance register, in the local emulator.

moto 5.2.5 appends every instance of a ``BaseModel`` subclass to a class-level list
(``instances_tracked``), forever: it exists for the moto server's dashboard and for
``reset``. Every copy counts, and moto copies on its hot paths: each DynamoDB
``UpdateItem`` deep-copies the item (one ``Item`` and its values per request), each SQS
receive deep-copies every message it hands out, and every S3 object, part and segment the
stack ever wrote or deleted (with its bytes) stays referenced. So the emulator's memory
and the work of Python's cyclic collector (a full collection visits every live container)
grew with every request the stack had ever served. Measured in one process (2026-12-02):
10,000 ``GetItem`` + 10,000 ``UpdateItem`` on 2,000 items left 222,000 more live objects
with the register and 13,500 without, and a full collection took 338 ms against 139 ms;
on one stack (~400 small recipes, a 1 GiB asset and a 512 MiB stream) the DynamoDB
process grew 110 -> 167 MiB, and 106 -> 117 MiB without the register (issue 21).

Here a model is created as moto creates it (``__new__`` of the next class in the MRO) but
not registered: what the backends still reference lives on, the copies are freed when
moto drops them. Deleted or replaced S3 objects are then closed by ``FakeKey.__del__``
(moto's own ``dispose``) instead of by ``reset``.

Assumed: nothing in the emulator reads ``instances_tracked`` (the dashboard,
``/moto-api/data.json``, and moto's ``reset`` disposal of keys are not used by the stack);
``BaseModel.__new__`` only creates the instance and registers it.
"""

from __future__ import annotations

from typing import Any

from circulion_local.emulator import patches


def stop_tracking_instances() -> None:
    """Create moto models without registering them in ``instances_tracked`` (once)."""
    from moto.core.common_models import BaseModel

    patches.original(BaseModel, "__new__")

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:  # noqa: N807 - the hook's own name
        return super(BaseModel, cls).__new__(cls)  # type: ignore[misc]

    patches.patch(BaseModel, "__new__", staticmethod(__new__))
