"""DynamoDB attribute values serialised directly, in the local emulator's DynamoDB process.

moto 5.2.5 serialises every response by walking the botocore output shape. For each
``AttributeValue`` it visits all ten members (S, N, B, SS, NS, BS, M, L, NULL, BOOL), and for
each member asks an attribute picker that tries six alias providers, each yielding a name and
its snake_case form: ~100 lookups for a value that has one key. Profiled in one process
(cProfile, 1,000 GetItem + 1,000 UpdateItem of a status-like item, 2026-12-02): the
serialiser was ~58 % of all the time, and the picker most of that (issue 21).

Here an ``AttributeValue`` that is a plain dict, whose keys are all members, is converted
the way the walker would convert it: members in the shape's order, ``None`` members left
out, strings as moto's JSON serialiser turns them into strings, blobs base64-encoded, lists
and maps member by member (a ``None`` list item stays ``None``, a ``None`` map value is left
out). So the response dict, and the JSON bytes ``json.dumps`` makes of it, are the same
(byte for byte, tested against moto's walker: local/tests/test_emulator_attribute_values*.py),
errors included: a failed condition's ``Item`` and a cancelled transaction's reasons carry
such dicts too. Anything else (a moto object, a key that is not a member, an empty map key,
a response transformer registered) goes the walker's way. After the patch the serialiser
was ~9 % of the same profile.

Assumed: ``JSONSerializer`` serialises structures through ``_serialize_type_structure``, the
picker finds a dict member by its name first when no other member name is a key, strings go
through ``BaseJSONSerializer._serialize_type_string`` and blobs through ``_base64``; the
AttributeValue shape is checked at install (:func:`_check_shape`).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from circulion_local.emulator import patches

SERVICE = "dynamodb"
SHAPE = "AttributeValue"
MEMBERS = {
    "S": ("string", None),
    "N": ("string", None),
    "B": ("blob", None),
    "SS": ("list", "string"),
    "NS": ("list", "string"),
    "BS": ("list", "blob"),
    "M": ("map", SHAPE),
    "L": ("list", SHAPE),
    "NULL": ("boolean", None),
    "BOOL": ("boolean", None),
}
"""The AttributeValue members, in the shape's order: type, and the type of a list item or map value."""
_NAMES = frozenset(MEMBERS)


class _NotPlain(Exception):
    """The value is not one the direct path converts; the walker serialises it."""


def string(value: Any) -> Any:
    """A string member as ``BaseJSONSerializer._serialize_type_string`` makes it."""
    if type(value) is str:
        return value
    if isinstance(value, Enum):
        value = value.value
    return str(value) if value not in [None, {}, []] else value


def attribute_value(value: Any, base64: Callable[[Any], str]) -> dict[str, Any]:
    """``value`` (a ``{type: value}`` dict) as moto's walker serialises an AttributeValue.

    Raises
    ------
    _NotPlain
        When ``value`` is not a dict whose keys are all AttributeValue members.
    """
    if type(value) is not dict or not _NAMES.issuperset(value):
        raise _NotPlain
    serialised: dict[str, Any] = {}
    for name in MEMBERS if len(value) > 1 else value:
        member = value.get(name)
        if member is None:
            continue
        if name in ("S", "N"):
            serialised[name] = string(member)
        elif name == "M":
            serialised[name] = _map(member, base64)
        elif name == "L":
            serialised[name] = [None if item is None else attribute_value(item, base64) for item in member]
        elif name in ("SS", "NS"):
            serialised[name] = [string(item) for item in member]
        elif name == "B":
            serialised[name] = base64(member)
        elif name == "BS":
            serialised[name] = [base64(item) for item in member]
        else:
            serialised[name] = member
    return serialised


def _map(value: Any, base64: Callable[[Any], str]) -> dict[str, Any]:
    if type(value) is not dict:
        raise _NotPlain
    serialised = {}
    for key, item in value.items():
        if not key:
            raise _NotPlain  # the walker merges an empty-named value into the map itself
        if item is not None:
            serialised[key] = attribute_value(item, base64)
    return serialised


def _check_shape() -> None:
    """Fail fast unless botocore's DynamoDB AttributeValue is the shape this module converts."""
    from moto.core.utils import get_service_model

    shape = get_service_model(SERVICE).shape_for(SHAPE)
    found = {}
    for name, member in shape.members.items():
        inner = getattr(member, "member", None) or getattr(member, "value", None)
        inner_type = None if inner is None else (SHAPE if inner.name == SHAPE else inner.type_name)
        found[name] = (member.type_name, inner_type)
        if member.serialization.get("name") or (inner is not None and inner.serialization.get("name")):
            found[name] = ("renamed", None)
    if list(found.items()) != list(MEMBERS.items()) or shape.serialization.get("name"):
        raise patches.MotoMismatch(f"botocore's DynamoDB {SHAPE} is {found}, not {MEMBERS}: re-check {__name__}")


def serialise_attribute_values_directly() -> None:
    """Patch moto's JSON serialiser to convert plain DynamoDB attribute values directly (once)."""
    from moto.core.serialize import JSONSerializer, XFormedAttributePicker

    original: Callable[..., None] = patches.original(JSONSerializer, "_serialize_type_structure")
    patches.require((JSONSerializer, "_base64"), (JSONSerializer, "_serialize_type_string"))
    if hasattr(JSONSerializer, "_serialize_type_boolean"):
        raise patches.MotoMismatch(f"moto's JSONSerializer converts booleans now: re-check {__name__}")
    _check_shape()

    def _serialize_type_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        picker = self._value_picker
        if (
            key
            and shape.name == SHAPE
            and self.service_model.service_name == SERVICE
            and type(picker) is XFormedAttributePicker
            and not picker.response_transformers
        ):
            try:
                serialized[key] = attribute_value(value, self._base64)
                return
            except _NotPlain:
                pass
        original(self, serialized, value, shape, key)

    patches.patch(JSONSerializer, "_serialize_type_structure", _serialize_type_structure)
