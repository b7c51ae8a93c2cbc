"""The ``infra/`` stack's exports, as the services' templates refer to them.

Every queue, topic, table, bucket, key and the distribution is created once by
``infra/template.yaml`` and exported as ``<infra stack name>-<output name>``; a service's
template imports them (``Fn::ImportValue``) instead of building ARNs from names, so a
service stack can never point at something the infra stack did not create.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from circulion_local.cfn.template import load_template

INFRA_TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "template.yaml"
STACK_PARAMETER = "InfraStackName"
DEFAULT_INFRA_STACK = "circulion-infra"


class UnknownExport(KeyError):
    """A service refers to an output the infra template does not export."""


@dataclass(frozen=True)
class InfraExports:
    """The output names the infra template exports as ``${AWS::StackName}-<name>``."""

    names: frozenset[str]

    def require(self, name: str) -> str:
        if name not in self.names:
            raise UnknownExport(f"infra/template.yaml exports no output {name!r}")
        return name


def load_exports(path: Path = INFRA_TEMPLATE) -> InfraExports:
    """Read the exported output names of the infra template."""
    outputs = load_template(path).outputs
    exported = {name for name, body in outputs.items() if _export_suffix(body) == name}
    return InfraExports(frozenset(exported))


def _export_suffix(output: Any) -> str | None:
    """``Name`` of ``Export: Name: !Sub ${AWS::StackName}-<suffix>``, else ``None``."""
    export = output.get("Export") if isinstance(output, dict) else None
    name = export.get("Name") if isinstance(export, dict) else None
    sub = name.get("Fn::Sub") if isinstance(name, dict) else None
    prefix = "${AWS::StackName}-"
    if isinstance(sub, str) and sub.startswith(prefix):
        return sub.removeprefix(prefix)
    return None


def import_value(output: str) -> dict[str, Any]:
    """CloudFormation: the value the infra stack exports for ``output``."""
    return {"Fn::ImportValue": {"Fn::Sub": f"${{{STACK_PARAMETER}}}-{output}"}}


def stack_parameter() -> dict[str, Any]:
    """The template parameter naming the infra stack whose exports are imported."""
    return {
        "Type": "String",
        "Default": DEFAULT_INFRA_STACK,
        "Description": "Name of the deployed infra/template.yaml stack whose outputs this service imports.",
    }
