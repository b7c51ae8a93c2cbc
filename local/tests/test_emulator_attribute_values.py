"""DynamoDB attribute values serialised directly make the same response bytes as moto's
shape walker, for every attribute type, nested, and for values the direct path hands back."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from attribute_value_serialisers import MotosOwnSerializer, body_of
from hypothesis import given, settings
from hypothesis import strategies as st
from moto.core.serialize import JSONSerializer, XFormedAttributePicker
from moto.core.utils import get_service_model
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.utilities import dynamo_to_dict

from circulion_local.emulator import attribute_values, patches

_names = st.text(min_size=1, max_size=8)
_numbers = st.one_of(st.integers(), st.decimals(allow_nan=False, allow_infinity=False)).map(str)
_leaves = st.one_of(
    st.builds(lambda v: {"S": v}, st.text(max_size=12)),
    st.builds(lambda v: {"N": v}, _numbers),
    st.builds(lambda v: {"B": v}, st.binary(max_size=12)),
    st.builds(lambda v: {"SS": v}, st.lists(st.text(max_size=6), min_size=1, max_size=4, unique=True)),
    st.builds(lambda v: {"NS": v}, st.lists(_numbers, min_size=1, max_size=4, unique=True)),
    st.builds(lambda v: {"BS": v}, st.lists(st.binary(max_size=6), min_size=1, max_size=4, unique=True)),
    st.just({"NULL": True}),
    st.builds(lambda v: {"BOOL": v}, st.booleans()),
)
attribute_values_as_moto_hands_them = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.builds(lambda v: {"M": v}, st.dictionaries(_names, inner, max_size=4)),
        st.builds(lambda v: {"L": v}, st.lists(inner, max_size=4)),
    ),
    max_leaves=12,
)
items = st.dictionaries(_names, attribute_values_as_moto_hands_them, min_size=1, max_size=6)

_odd_leaves = st.one_of(
    _leaves,
    st.none(),
    st.just({}),
    st.builds(lambda v: {"B": v}, st.text(max_size=6)),  # a base64 str, encoded again
    st.builds(lambda v: {"S": v}, st.integers()),
    st.builds(lambda v, w: {"N": w, "S": v}, st.text(max_size=4), _numbers),  # two members, out of order
    st.builds(lambda v: {"s": v}, st.text(max_size=4)),  # not a member: the walker's aliases
    st.builds(lambda v: {"S": None, "BOOL": v}, st.booleans()),
)
odd_values = st.recursive(
    _odd_leaves,
    lambda inner: st.one_of(
        st.builds(lambda v: {"M": v}, st.dictionaries(st.text(max_size=3), inner, max_size=3)),
        st.builds(lambda v: {"L": v}, st.lists(inner, max_size=3)),
    ),
    max_leaves=8,
)


def _same(operation: str, result: Any) -> None:
    assert _outcome(JSONSerializer, operation, result) == _outcome(MotosOwnSerializer, operation, result)


def _outcome(serializer: type[JSONSerializer], operation: str, result: Any) -> str:
    """The body, or the exception moto's serialiser raises (it fails on some values too)."""
    try:
        return body_of(serializer, operation, result)
    except (AttributeError, TypeError) as failed:
        return f"raises {type(failed).__name__}"


@settings(max_examples=300, deadline=None)
@given(items)
def test_items_of_every_type_serialise_to_the_same_bytes(item: dict[str, Any]) -> None:
    _same("GetItem", {"Item": item})
    _same("UpdateItem", {"Attributes": item})
    _same("Query", {"Items": [item, item], "Count": 2, "ScannedCount": 2, "LastEvaluatedKey": item})


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=3), odd_values, max_size=4))
def test_values_the_direct_path_hands_back_serialise_as_moto_does(item: dict[str, Any]) -> None:
    _same("GetItem", {"Item": item})
    _same("Query", {"Items": [item, item]})


@settings(max_examples=100, deadline=None)
@given(items)
def test_items_converted_from_moto_types_serialise_to_the_same_bytes(item: dict[str, Any]) -> None:
    typed = {name: DynamoType(_wire(value)) for name, value in item.items()}
    _same("GetItem", {"Item": dynamo_to_dict(typed)})
    _same("Scan", {"Items": [typed]})  # moto objects: the walker's own path


def _wire(value: Any) -> Any:
    """``value`` as a request carries it (binary base64-encoded), which is what ``DynamoType`` keeps."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(v).decode() for v in inner]}
    if kind == "M":
        return {"M": {k: _wire(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_wire(v) for v in inner]}
    return value


def test_a_plain_item_is_not_walked_member_by_member(monkeypatch: pytest.MonkeyPatch) -> None:
    picked: list[str] = []
    original = XFormedAttributePicker.__call__

    def counting(self: Any, context: Any) -> Any:
        picked.append(context.key)
        return original(self, context)

    monkeypatch.setattr(XFormedAttributePicker, "__call__", counting)
    item = {"pk": {"S": "job"}, "events": {"L": [{"M": {"at": {"S": "t"}, "n": {"N": "1"}}}] * 3}}
    body_of(JSONSerializer, "GetItem", {"Item": item})
    assert picked == ["Item", "ConsumedCapacity"]
    picked.clear()
    body_of(MotosOwnSerializer, "GetItem", {"Item": item})
    assert len(picked) > 50  # the walker's way, for comparison: ten members per value


def test_a_registered_response_transformer_sends_values_the_walker_way() -> None:
    operation = get_service_model("dynamodb").operation_model("GetItem")
    hidden = {"gone.S": lambda _: None}  # what ``BaseResponse._exclude_from_response`` registers
    bodies = [
        cls(operation_model=operation, value_picker=XFormedAttributePicker(response_transformers=hidden)).serialize(
            {"Item": {"pk": {"S": "job"}, "gone": {"S": "x"}}}
        )["body"]
        for cls in (JSONSerializer, MotosOwnSerializer)
    ]
    assert bodies[0] == bodies[1] == '{"Item": {"pk": {"S": "job"}, "gone": {}}}'


def test_a_different_attribute_value_shape_stops_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attribute_values, "MEMBERS", {**attribute_values.MEMBERS, "BOOL": ("string", None)})
    with pytest.raises(patches.MotoMismatch, match="AttributeValue"):
        attribute_values._check_shape()
