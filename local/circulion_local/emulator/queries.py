"""DynamoDB queries on a table's key that read only their partition, in the local emulator.

moto 5.2.5 answers every ``Query`` by listing and sorting *all* the table's items, then
keeping those whose hash key matches: the merger's query of one job's chunk markers, or
the status reads, grew with every recipe the stack had ever seen (the ledger keeps a marker
per chunk). A query on the table's own key (no ``IndexName``) now hands moto only the
items of its partition, in the order it would have sorted them; what moto does with them
(range conditions, paging, filters, projections) is unchanged. Index queries still scan.

Assumed: ``Table.query`` lists the table through ``self.all_items()`` once, takes ``index_name``
as its 7th positional argument, and keeps items as ``items[hash]`` (``[range]``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from circulion_local.emulator import patches

_partition = threading.local()


def read_only_the_partition() -> None:
    """Patch moto's ``Table.query``/``Table.all_items`` (once)."""
    from moto.dynamodb.models.table import Table

    original_query: Callable[..., Any] = patches.original(Table, "query")
    original_all_items: Callable[..., Any] = patches.original(Table, "all_items")

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name is not None or hash_key is None:
            return original_query(self, hash_key, *args, **kwargs)
        _partition.only = (self, hash_key)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _partition.only = None

    def all_items(self: Any) -> Any:
        only = getattr(_partition, "only", None)
        if only is None or only[0] is not self:
            return original_all_items(self)
        _partition.only = None  # one listing per query
        found = self.items.get(only[1])
        if found is None:
            return []
        items = list(found.values()) if self.range_key_attr else [found]
        return sorted(items, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)

    patches.patch(Table, "query", query)
    patches.patch(Table, "all_items", all_items)
