"""moto's own JSON serialiser beside the emulator's (with attribute values converted directly),
for the tests that compare their answers."""

from __future__ import annotations

from typing import Any

from moto.core.serialize import BaseJSONSerializer, JSONSerializer, XFormedAttributePicker
from moto.core.utils import get_service_model

from circulion_local.emulator.attribute_values import serialise_attribute_values_directly

__all__ = ["MotosOwnSerializer", "body_of", "serialise_attribute_values_directly"]


class MotosOwnSerializer(JSONSerializer):
    """``JSONSerializer`` as moto 5.2.5 defines it: every structure walked member by member."""

    _serialize_type_structure = BaseJSONSerializer._serialize_type_structure


def body_of(serializer: type[JSONSerializer], operation: str, result: Any) -> str:
    """The JSON body ``serializer`` makes of ``result`` for a DynamoDB ``operation``, as moto builds it."""
    serialise_attribute_values_directly()
    model = get_service_model("dynamodb").operation_model(operation)
    picker = XFormedAttributePicker(response_transformers={})
    return str(serializer(operation_model=model, pretty_print=False, value_picker=picker).serialize(result)["body"])
