"""Intrinsic functions: resolving ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``... to plain values.

The resolver learns each resource's physical id and attributes as the provisioner creates
it; :func:`creation_order` guarantees a resource is resolved only after everything it
references exists.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from graphlib import CycleError, TopologicalSorter
from typing import Any

from circulion_local.cfn.errors import ProvisioningError
from circulion_local.cfn.template import Template

NO_VALUE = object()
"""What ``!Ref AWS::NoValue`` resolves to: the enclosing key or list item is dropped."""

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")
_SUB_LITERAL = re.compile(r"\$\{!([^}]*)\}")


def bind_parameters(template: Template, given: Mapping[str, str]) -> dict[str, str]:
    """Parameter values: the given ones, else the template's defaults.

    Raises
    ------
    ProvisioningError
        For a parameter the template does not declare (a typo would otherwise be ignored),
        one with no value and no default, or a ``Number`` that is not a number or out of range.
    """
    unknown = sorted(set(given) - set(template.parameters))
    if unknown:
        raise ProvisioningError(f"parameters not declared by the template: {', '.join(unknown)}")
    values: dict[str, str] = {}
    for name, spec in template.parameters.items():
        if name in given:
            value = str(given[name])
        elif "Default" in spec:
            value = str(spec["Default"])
        else:
            raise ProvisioningError(f"parameter {name} has no value and no default")
        if spec.get("Type") == "Number":
            _check_number(name, value, spec)
        values[name] = value
    return values


def _check_number(name: str, value: str, spec: Mapping[str, Any]) -> None:
    try:
        number = float(value)
    except ValueError:
        raise ProvisioningError(f"parameter {name} must be a number, got {value!r}") from None
    if "MinValue" in spec and number < float(spec["MinValue"]):
        raise ProvisioningError(f"parameter {name}={value} is below MinValue {spec['MinValue']}")
    if "MaxValue" in spec and number > float(spec["MaxValue"]):
        raise ProvisioningError(f"parameter {name}={value} is above MaxValue {spec['MaxValue']}")


def references(value: Any) -> set[str]:
    """Names a value refers to through ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` (pseudo and
    parameter names included; the caller keeps the resources)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        if set(value) == {"Ref"} and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        elif set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            found.add(str(target[0] if isinstance(target, list) else target.split(".", 1)[0]))
        elif set(value) == {"Fn::Sub"}:
            body = value["Fn::Sub"]
            text, variables = (body[0], body[1]) if isinstance(body, list) else (body, {})
            local = set(variables)
            found |= {name.split(".", 1)[0] for name in _SUB_VARIABLE.findall(text)} - local
            found |= references(variables)
        else:
            for item in value.values():
                found |= references(item)
    return found


def creation_order(template: Template) -> list[str]:
    """Logical ids in an order where every resource comes after the ones it references.

    Raises
    ------
    ProvisioningError
        On a reference to an unknown name or a dependency cycle.
    """
    known = set(template.parameters) | set(template.resources)
    graph: dict[str, set[str]] = {}
    for logical_id, resource in template.resources.items():
        names = {n for n in references(resource.properties) if not n.startswith("AWS::")}
        missing = sorted((names | set(resource.depends_on)) - known)
        if missing:
            raise ProvisioningError(f"{logical_id} refers to unknown name(s): {', '.join(missing)}")
        graph[logical_id] = (names | set(resource.depends_on)) & set(template.resources)
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise ProvisioningError(f"dependency cycle between resources: {' -> '.join(exc.args[1])}") from exc


class Resolver:
    """Evaluates intrinsic functions against parameters and the resources created so far."""

    def __init__(self, template: Template, parameters: Mapping[str, str], pseudo: Mapping[str, str]) -> None:
        self._template = template
        self._parameters = dict(parameters)
        self._pseudo = dict(pseudo)
        self._physical: dict[str, str] = {}
        self._attributes: dict[str, dict[str, str]] = {}

    def bind(self, logical_id: str, physical_id: str, attributes: Mapping[str, str]) -> None:
        """Record a created resource so later ``Ref``/``GetAtt`` can see it."""
        self._physical[logical_id] = physical_id
        self._attributes[logical_id] = dict(attributes)

    def condition(self, name: str | None) -> bool:
        """Whether the named condition holds (no name: always)."""
        if name is None:
            return True
        if name not in self._template.conditions:
            raise ProvisioningError(f"unknown condition {name}")
        return bool(self.resolve(self._template.conditions[name]))

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic function evaluated."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Condition":
                return self.condition(argument)
            if key.startswith("Fn::"):
                return self._function(key[4:], argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        if name in self._physical:
            return self._physical[name]
        raise ProvisioningError(f"Ref to {name}, which is neither a parameter nor a created resource")

    def get_att(self, resource: str, attribute: str) -> str:
        if resource not in self._attributes:
            raise ProvisioningError(f"GetAtt {resource}.{attribute}: {resource} has not been created")
        try:
            return self._attributes[resource][attribute]
        except KeyError:
            raise ProvisioningError(f"GetAtt {resource}.{attribute}: the provisioner does not know it") from None

    def _function(self, name: str, argument: Any) -> Any:
        if name == "GetAtt":
            resource, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return self.get_att(str(resource), str(self.resolve(attribute)))
        if name == "Sub":
            return self._sub(argument)
        if name == "If":
            condition, when_true, when_false = argument
            return self.resolve(when_true if self.condition(condition) else when_false)
        args = self.resolve(argument)
        if name == "FindInMap":
            table, first, second = args
            return self._template.mappings[table][first][second]
        if name == "GetAZs":
            region = args or self._pseudo["AWS::Region"]
            return [f"{region}{zone}" for zone in "abc"]
        if name in _ON_VALUES:
            return _ON_VALUES[name](args)
        raise ProvisioningError(f"intrinsic function Fn::{name} is not supported by the local provisioner")

    def _sub(self, argument: Any) -> str:
        text, variables = (argument[0], self.resolve(argument[1])) if isinstance(argument, list) else (argument, {})

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in variables:
                return str(variables[name])
            if "." in name:
                resource, attribute = name.split(".", 1)
                return self.get_att(resource, attribute)
            return str(self.ref(name))

        substituted = _SUB_VARIABLE.sub(replace, str(text))
        return _SUB_LITERAL.sub(r"${\1}", substituted)


def _join(args: Any) -> str:
    delimiter, items = args
    return str(delimiter).join(str(item) for item in items)


def _select(args: Any) -> Any:
    index, items = args
    return items[int(index)]


def _split(args: Any) -> list[str]:
    delimiter, text = args
    return str(text).split(str(delimiter))


def _equals(args: Any) -> bool:
    left, right = args
    return str(left) == str(right)


# Functions of their (already resolved) arguments alone.
_ON_VALUES: dict[str, Callable[[Any], Any]] = {
    "Join": _join,
    "Select": _select,
    "Split": _split,
    "Equals": _equals,
    "Base64": lambda text: base64.b64encode(str(text).encode()).decode(),
    "Not": lambda args: not args[0],
    "And": all,
    "Or": any,
    # CloudFormation writes compact JSON.
    "ToJsonString": lambda value: json.dumps(value, separators=(",", ":")),
    "Length": len,
}
