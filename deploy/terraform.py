"""Rewriting Chalice's Terraform (``chalice.tf.json``) the way :mod:`deploy.sam` rewrites SAM.

The same permission map and environment, spelt for Terraform: the infra stack's exports
are read with ``data "aws_cloudformation_export"`` (the shared resources stay one
CloudFormation stack whichever tool deploys a service), deployer-supplied values are
variables, and account/region come from Chalice's own ``data`` sources. Every function
gets the alarms of :mod:`deploy.alarms`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from deploy import alarms, environment
from deploy.environment import FromExport, FromParameter, Pseudo, Source
from deploy.infra import DEFAULT_INFRA_STACK, InfraExports
from deploy.permissions import grants_of
from deploy.policy import policy_document
from deploy.sam import REPORT_BATCH_ITEM_FAILURES, TemplateError, queue_output
from deploy.vendoring import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME

STACK_VARIABLE = "infra_stack_name"
_PARTITION = "${data.aws_partition.chalice.partition}"
_REGION = "${data.aws_region.chalice.name}"
_ACCOUNT = "${data.aws_caller_identity.chalice.account_id}"
_REFERENCE = re.compile(r"\$\{aws_iam_role\.([^.}]+)\.arn\}")


def export_ref(output: str) -> str:
    return f"${{data.aws_cloudformation_export.{output}.value}}"


class TerraformTarget:
    """Grants spelt in Terraform interpolations."""

    def __init__(self) -> None:
        self.outputs: set[str] = set()

    def exported(self, output: str, suffix: str) -> Any:
        self.outputs.add(output)
        return export_ref(output) + suffix

    def distribution(self, id_output: str) -> Any:
        self.outputs.add(id_output)
        return f"arn:{_PARTITION}:cloudfront::{_ACCOUNT}:distribution/{export_ref(id_output)}"

    def log_group(self, function_name: str, suffix: str) -> Any:
        return f"arn:{_PARTITION}:logs:{_REGION}:{_ACCOUNT}:log-group:/aws/lambda/{function_name}{suffix}"

    def cloudwatch(self, path: str) -> Any:
        return f"arn:{_PARTITION}:cloudwatch:{_REGION}:{_ACCOUNT}:{path}"


def _value(source: Source, outputs: set[str]) -> str:
    match source:
        case FromExport(output, prefix):
            outputs.add(output)
            return prefix + export_ref(output)
        case FromParameter(name, _):
            return f"${{var.{environment.snake_case(name)}}}"
        case Pseudo("AWS::AccountId"):
            return _ACCOUNT
        case Pseudo("AWS::Region"):
            return _REGION
    raise TypeError(f"unknown source {source!r}")


def post_process(config: dict[str, Any], service: str, exports: InfraExports) -> None:
    """Rewrite ``config`` (Chalice's ``chalice.tf.json``) in place."""
    resources: dict[str, Any] = config["resource"]
    target = TerraformTarget()
    functions: dict[str, Any] = resources.get("aws_lambda_function", {})
    role_policies: dict[str, Any] = resources.get("aws_iam_role_policy", {})
    roles: list[str] = []
    for function, body in functions.items():
        if body.get("runtime") != LAMBDA_RUNTIME or body.get("architectures") != [LAMBDA_ARCHITECTURE]:
            raise TemplateError(f"{body.get('function_name')}: runtime does not match the vendored wheels")
        body["tracing_config"] = {"mode": "Active"}
        variables = body.setdefault("environment", {}).setdefault("variables", {})
        for variable, source in environment.environment_of(service).items():
            variables[variable] = _value(source, target.outputs)
        match = _REFERENCE.fullmatch(str(body.get("role")))
        if match is None or match.group(1) not in role_policies:
            raise TemplateError(f"{function}: expected a role of its own, got {body.get('role')!r}")
        roles.append(match.group(1))
        grants = grants_of(service, function)
        document = policy_document(grants, str(body["function_name"]), target)
        role_policies[match.group(1)]["policy"] = json.dumps(document)
    if len(set(roles)) != len(roles):
        raise TemplateError(f"{service}: functions share a role; each needs its own least-privilege role")
    for mapping in resources.get("aws_lambda_event_source_mapping", {}).values():
        output = exports.require(queue_output(mapping["event_source_arn"]))
        target.outputs.add(output)
        mapping["event_source_arn"] = export_ref(output)
        mapping["function_response_types"] = [REPORT_BATCH_ITEM_FAILURES]
    target.outputs.add(exports.require(alarms.ALARM_TOPIC_OUTPUT))
    resources["aws_cloudwatch_metric_alarm"] = alarms.terraform_alarms(functions, export_ref(alarms.ALARM_TOPIC_OUTPUT))
    for output in target.outputs:
        exports.require(output)
    variables = config.setdefault("variable", {})
    variables[STACK_VARIABLE] = {
        "type": "string",
        "default": DEFAULT_INFRA_STACK,
        "description": "Name of the deployed infra/template.yaml stack whose exports this service reads.",
    }
    for parameter in environment.parameters_of(service):
        variables[environment.snake_case(parameter.name)] = {"type": "string", "description": parameter.description}
    data = config.setdefault("data", {})
    data["aws_cloudformation_export"] = {
        output: {"name": f"${{var.{STACK_VARIABLE}}}-{output}"} for output in sorted(target.outputs)
    }
