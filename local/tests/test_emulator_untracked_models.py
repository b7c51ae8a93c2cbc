"""moto's models are created as moto creates them but not kept alive by its instance register:
the answers stay moto's own, and the copies moto makes on every request are freed."""

from __future__ import annotations

import copy
import gc
import weakref

from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.s3.models import FakeKey
from moto.sqs.models import Message, sqs_backends

from circulion_local.emulator import patches
from circulion_local.emulator.untracked_models import stop_tracking_instances


def _registered(instance: object, model: type) -> bool:
    """Whether moto's register holds ``instance`` (models made before the patch may be there)."""
    return any(tracked is instance for tracked in getattr(model, "instances_tracked", []))


def test_copies_of_items_and_messages_are_freed_and_equal_moto_s() -> None:
    stop_tracking_instances()
    stop_tracking_instances()  # a second install changes nothing
    assert [p.label for p in patches.applied()].count("moto.core.common_models.BaseModel.__new__") == 1
    item = Item(DynamoType({"S": "recipe#1"}), DynamoType({"S": "recipe"}), {"pk": {"S": "recipe#1"}, "n": {"N": "3"}})
    clone = copy.deepcopy(item)  # what UpdateItem does to every item it changes
    assert clone.to_json() == item.to_json()
    assert not _registered(clone, Item)
    freed = weakref.ref(clone)
    del clone
    gc.collect()
    assert freed() is None


def test_a_received_message_copy_is_freed() -> None:
    stop_tracking_instances()
    backend = sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    queue = backend.create_queue("untracked-models-probe")
    backend.send_message(queue.name, "hello")
    (received,) = backend.receive_message(queue.name, count=1, wait_seconds_timeout=0, visibility_timeout=30)
    assert isinstance(received, Message) and received.body == "hello"
    assert not _registered(received, Message)
    freed = weakref.ref(received)
    backend.delete_message(queue.name, received.receipt_handle)
    del received
    gc.collect()
    assert freed() is None  # moto's receive deep-copies each message; the copy no longer outlives the request
    backend.delete_queue(queue.name)


def test_an_s3_key_is_still_a_managed_state_model() -> None:
    stop_tracking_instances()
    key = FakeKey("k", b"bytes", account_id=DEFAULT_ACCOUNT_ID, region_name="us-east-1")
    key.advance()  # ManagedState's own __init__ ran
    assert key.value == b"bytes"
    assert not _registered(key, FakeKey)
    key.dispose()
