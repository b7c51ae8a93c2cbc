"""DynamoDB transactions that save only the items they touch, in the local emulator.

moto 5.2.5's ``transact_write_items`` deep-copies every table it names before it starts,
to put the copies back if a condition fails. The copy grows with the table: every
``chunk.processed`` the merger records is one transaction on the ledger, whose markers
pile up over a session, and every upload is one on the status table. Under the
small-recipe benchmark those copies were ~7 % of the emulator's CPU and growing.

Here the transaction saves (a deep copy of) each item it names, or its absence, and moto's
whole-table copy becomes the table itself; when moto rolls back (``TransactionCanceled``,
validation errors, anything raised), the saved items are put back. That is the same
outcome, because DynamoDB requests run one at a time in this emulator
(:func:`circulion_local.emulator.serialised.serialise_dynamodb`): nothing but the transaction
itself can have changed those tables in between.

Assumed: moto backs up with ``copy.deepcopy`` of each ``Table`` (which defines no ``__deepcopy__``)
and a transaction entry names its item by ``Key`` or ``Item``.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from circulion_local.emulator import patches

_in_transaction = threading.local()


@dataclass
class _SavedItem:
    table: Any
    hash_value: Any
    range_value: Any
    item: Any  # a deep copy, or None when the item did not exist

    def restore(self) -> None:
        items = self.table.items
        if self.range_value is None:
            if self.item is None:
                items.pop(self.hash_value, None)
            else:
                items[self.hash_value] = self.item
        elif self.item is None:
            items.get(self.hash_value, {}).pop(self.range_value, None)
        else:
            items[self.hash_value][self.range_value] = self.item


def _save(backend: Any, transact_items: list[dict[str, Any]]) -> list[_SavedItem] | None:
    """Every named item, saved; ``None`` when an entry is not understood (moto's own path)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    saved = []
    try:
        for entry in transact_items:
            _, operation = next(iter(entry.items()))
            table = backend.tables.get(operation.get("TableName"))
            if table is None:
                continue  # moto reports the missing table itself
            key = operation.get("Key") or operation["Item"]
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            current = table.get_item(hash_value, range_value)
            saved.append(_SavedItem(table, hash_value, range_value, copy.deepcopy(current)))
    except (KeyError, TypeError, AttributeError, ValueError, StopIteration):
        return None
    return saved


def snapshot_items_not_tables() -> None:
    """Patch moto's DynamoDB transactions (once)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original: Callable[..., Any] = patches.original(DynamoDBBackend, "transact_write_items")

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _save(self, transact_items)
        if saved is None:
            original(self, transact_items)
            return
        _in_transaction.active = True
        try:
            original(self, transact_items)
        except BaseException:
            for item in reversed(saved):
                item.restore()
            raise
        finally:
            _in_transaction.active = False

    def table_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
        if getattr(_in_transaction, "active", False):
            return self  # the transaction's "backup"; the saved items are the real one
        clone = self.__class__.__new__(self.__class__)
        memo[id(self)] = clone
        for name, value in self.__dict__.items():
            setattr(clone, name, copy.deepcopy(value, memo))
        return clone

    patches.patch(DynamoDBBackend, "transact_write_items", transact_write_items)
    patches.add(Table, "__deepcopy__", table_deepcopy)
