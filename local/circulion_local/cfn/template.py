"""Reading a CloudFormation template: YAML with the short intrinsic tags, into plain data.

``!Ref X`` becomes ``{"Ref": "X"}``, ``!GetAtt A.B`` becomes ``{"Fn::GetAtt": ["A", "B"]}``
and every other ``!Name v`` becomes ``{"Fn::Name": v}`` — the long form CloudFormation
itself uses, so templates written either way resolve the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from circulion_local.cfn.errors import ProvisioningError

_SHORT_FUNCTIONS = (
    "Base64",
    "Cidr",
    "Condition",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Join",
    "Length",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
)

SUPPORTED_TRANSFORMS = frozenset({"AWS::LanguageExtensions"})
"""Transforms whose functions the resolver implements (``Fn::ToJsonString``, ``Fn::Length``)."""


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation's short tags."""


def _node_value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise ProvisioningError(f"unsupported YAML node {node!r}")  # pragma: no cover - yaml has only three


def _ref(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Ref": _node_value(loader, node)}


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _node_value(loader, node)
    if isinstance(value, str):
        # "Resource.Attribute.With.Dots": only the first dot separates the resource.
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


def _function(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {f"Fn::{name}" if name != "Condition" else "Condition": _node_value(loader, node)}

    return construct


_TemplateLoader.add_constructor("!Ref", _ref)
_TemplateLoader.add_constructor("!GetAtt", _get_att)
for _name in _SHORT_FUNCTIONS:
    _TemplateLoader.add_constructor(f"!{_name}", _function(_name))


@dataclass(frozen=True)
class ResourceSpec:
    """One entry of ``Resources``, before intrinsics are resolved."""

    logical_id: str
    type: str
    properties: Mapping[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    condition: str | None = None


@dataclass(frozen=True)
class Template:
    """A parsed template: the sections the provisioner reads."""

    parameters: Mapping[str, Mapping[str, Any]]
    resources: Mapping[str, ResourceSpec]
    outputs: Mapping[str, Mapping[str, Any]]
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    transforms: tuple[str, ...] = ()


def parse_template(text: str) -> Template:
    """Parse template text (YAML or JSON, which is YAML) into a :class:`Template`.

    Raises
    ------
    ProvisioningError
        When the text is not a template or uses a transform the resolver does not implement.
    """
    try:
        document = yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ProvisioningError(f"template is not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise ProvisioningError("template has no Resources section")
    transform = document.get("Transform") or []
    transforms = (transform,) if isinstance(transform, str) else tuple(transform)
    unsupported = [t for t in transforms if t not in SUPPORTED_TRANSFORMS]
    if unsupported:
        raise ProvisioningError(f"template transform(s) not supported locally: {', '.join(map(str, unsupported))}")
    return Template(
        parameters=document.get("Parameters") or {},
        resources={logical_id: _resource(logical_id, body) for logical_id, body in document["Resources"].items()},
        outputs=document.get("Outputs") or {},
        conditions=document.get("Conditions") or {},
        mappings=document.get("Mappings") or {},
        transforms=transforms,
    )


def load_template(path: Path) -> Template:
    """Read and parse the template at ``path``."""
    return parse_template(path.read_text(encoding="utf-8"))


def _resource(logical_id: str, body: Any) -> ResourceSpec:
    if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
        raise ProvisioningError(f"resource {logical_id} has no Type")
    depends_on = body.get("DependsOn") or ()
    return ResourceSpec(
        logical_id=logical_id,
        type=body["Type"],
        properties=body.get("Properties") or {},
        depends_on=(depends_on,) if isinstance(depends_on, str) else tuple(depends_on),
        condition=body.get("Condition"),
    )
