"""Fault class "emulator concurrency": a cancelled DynamoDB transaction must not undo other
requests' writes.

moto 5.2.5's ``transact_write_items`` deep-copies every table it touches, and when any
condition fails (the *normal* outcome of a duplicate ``chunk.processed``: its marker exists)
puts those copies back — wiping whatever other requests wrote to the table meanwhile (the
server is threaded). Found by the chaos soak: a merger's recorded plan vanished while a
duplicate chunk's transaction was being cancelled, and the recipe stalled in PROCESSING.
The local emulator serialises DynamoDB requests (``circulion_local.emulator.serialised``).

The server runs on ``4566 + CIRCULION_PORT_OFFSET + 2`` (the provisioning tests use + 1).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from circulion.testing.tables import create_keyed_table
from circulion_local.clients import local_client
from circulion_local.emulator.process import Emulator, start_emulator
from circulion_local.free_ports import free_ports

TABLE = "ledger-race"
WRITES = 150


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    ports = free_ports()
    with start_emulator(ports, Path(tmp_path_factory.mktemp("emulator")) / "moto.log") as running:
        yield running


def _client(emulator: Emulator) -> object:
    return local_client(emulator.ports, "dynamodb", Config(max_pool_connections=4))


def test_a_cancelled_transaction_never_undoes_concurrent_writes(emulator: Emulator) -> None:
    db = _client(emulator)
    create_keyed_table(db, TABLE)
    marker = {"pk": {"S": "recipe#dup"}, "sk": {"S": "chunk#000000"}}
    db.put_item(TableName=TABLE, Item=marker)  # type: ignore[attr-defined]
    done = threading.Event()
    cancelled = 0

    def duplicate_chunks() -> None:
        nonlocal cancelled
        own = _client(emulator)
        while not done.is_set():
            try:
                own.transact_write_items(  # type: ignore[attr-defined]
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": TABLE,
                                "Item": marker,
                                "ConditionExpression": "attribute_not_exists(pk)",
                            }
                        },
                        {
                            "Update": {
                                "TableName": TABLE,
                                "Key": {"pk": {"S": "recipe#dup"}, "sk": {"S": "job"}},
                                "UpdateExpression": "ADD done :one",
                                "ExpressionAttributeValues": {":one": {"N": "1"}},
                            }
                        },
                    ]
                )
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "TransactionCanceledException"
                cancelled += 1

    racers = [threading.Thread(target=duplicate_chunks) for _ in range(2)]
    for racer in racers:
        racer.start()
    try:
        for n in range(WRITES):
            db.update_item(  # type: ignore[attr-defined]
                TableName=TABLE,
                Key={"pk": {"S": f"recipe#{n}"}, "sk": {"S": "job"}},
                UpdateExpression="SET #t = :t",
                ExpressionAttributeNames={"#t": "total"},
                ExpressionAttributeValues={":t": {"N": "3"}},
            )
    finally:
        done.set()
        for racer in racers:
            racer.join()
    assert cancelled > 0
    kept = db.scan(TableName=TABLE, Select="COUNT", ConsistentRead=True)["Count"]  # type: ignore[attr-defined]
    assert kept == WRITES + 1, f"{WRITES + 1 - kept} writes undone by cancelled transactions"
