"""Rewriting Chalice's SAM template to say what Chalice cannot.

* every SQS event source reports partial batch failures (``ReportBatchItemFailures``):
  without it Lambda ignores the ``batchItemFailures`` our handlers return and deletes
  the whole batch on success;
* every SQS event source reads the queue ARN the infra stack exports (Chalice builds it
  from the queue's name); ``ScalingConfig.MaximumConcurrency`` stays as Chalice wrote it
  from the decorator;
* every function: ``Tracing: Active``, a fixed ``FunctionName`` (so its log group can be
  named in its policy), the environment only the deployment knows, and its own role
  with exactly the statements of :mod:`deploy.permissions`;
* every function: its ``Errors``, ``Throttles`` and ``Duration`` alarms, notifying the
  infra stack's alarm topic (:mod:`deploy.alarms`).
"""

from __future__ import annotations

from typing import Any

from deploy import alarms, environment
from deploy.environment import FromExport, FromParameter, Pseudo, Source
from deploy.infra import STACK_PARAMETER as INFRA_STACK
from deploy.infra import InfraExports, import_value, stack_parameter
from deploy.permissions import PERMISSIONS, grants_of
from deploy.policy import policy_document, referenced_outputs
from deploy.vendoring import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME

FUNCTION = "AWS::Serverless::Function"
API_HANDLER = "api_handler"
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


class TemplateError(ValueError):
    """The generated template is not what the post-processing expects."""


class CloudFormationTarget:
    """Grants spelt in CloudFormation: imports from the infra stack, pseudo parameters."""

    def exported(self, output: str, suffix: str) -> Any:
        value = import_value(output)
        return {"Fn::Join": ["", [value, suffix]]} if suffix else value

    def distribution(self, id_output: str) -> Any:
        arn = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Id}"
        return {"Fn::Sub": [arn, {"Id": import_value(id_output)}]}

    def log_group(self, function_name: str, suffix: str) -> Any:
        group = f"log-group:/aws/lambda/{function_name}{suffix}"
        return {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:" + group}

    def cloudwatch(self, path: str) -> Any:
        return {"Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:" + path}


def function_of(handler: str) -> str:
    """Chalice function name of a ``Handler`` (``app.split`` -> ``split``; ``app.app`` is the API)."""
    module, _, attribute = handler.partition(".")
    if module != "app" or not attribute:
        raise TemplateError(f"unexpected handler {handler!r}")
    return API_HANDLER if attribute == "app" else attribute


def queue_output(queue_arn: Any) -> str:
    """Infra output of the queue Chalice named: ``...:circulion-splitter-work`` -> ``SplitterWorkQueueArn``."""
    text = queue_arn.get("Fn::Sub") if isinstance(queue_arn, dict) else queue_arn
    if not isinstance(text, str):
        raise TemplateError(f"unexpected SQS queue reference {queue_arn!r}")
    name = text.rsplit(":", 1)[-1]
    if not name.startswith("circulion-"):
        raise TemplateError(f"queue {name!r} is not one of the shared queues")
    return "".join(part.title() for part in name.removeprefix("circulion-").split("-")) + "QueueArn"


def source_value(source: Source) -> Any:
    match source:
        case FromExport(output, prefix):
            return {"Fn::Join": ["", [prefix, import_value(output)]]} if prefix else import_value(output)
        case FromParameter(name, _):
            return {"Ref": name}
        case Pseudo(name):
            return {"Ref": name}
    raise TypeError(f"unknown source {source!r}")  # pragma: no cover - the union is closed


def post_process(template: dict[str, Any], service: str, stage: str, app_name: str, exports: InfraExports) -> None:
    """Rewrite ``template`` (Chalice's ``sam.json``) in place."""
    resources: dict[str, Any] = template["Resources"]
    template["Description"] = f"{app_name} ({stage}): packaged by deploy.package; imports the infra stack's outputs."
    parameters = template.setdefault("Parameters", {})
    parameters[INFRA_STACK] = stack_parameter()
    for parameter in environment.parameters_of(service):
        parameters[parameter.name] = {"Type": "String", "Description": parameter.description}
    for output in environment.exports_of(service):
        exports.require(output)
    seen: set[str] = set()
    roles: list[str] = []
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::Lambda::EventSourceMapping":
            raise TemplateError(f"{logical_id}: event source mappings outside SAM Events are not post-processed")
        if resource["Type"] == "AWS::Serverless::Api":
            resource["Properties"]["TracingEnabled"] = True
        if resource["Type"] != FUNCTION:
            continue
        function = function_of(resource["Properties"]["Handler"])
        seen.add(function)
        roles.append(_function(resources, resource, service, f"{app_name}-{stage}-{function}", function, exports))
    if len(set(roles)) != len(roles):
        raise TemplateError(f"{service}: functions share a role; each needs its own least-privilege role")
    alarms.add_function_alarms(template, FUNCTION, exports)
    declared = set(PERMISSIONS[service])
    if declared - seen:
        raise TemplateError(
            f"{service}: permissions declared for functions that do not exist: {sorted(declared - seen)}"
        )


def _function(
    resources: dict[str, Any],
    resource: dict[str, Any],
    service: str,
    name: str,
    function: str,
    exports: InfraExports,
) -> str:
    props = resource["Properties"]
    if props.get("Runtime") != LAMBDA_RUNTIME or props.get("Architectures") != [LAMBDA_ARCHITECTURE]:
        raise TemplateError(
            f"{name}: runtime {props.get('Runtime')} {props.get('Architectures')} does not match the vendored "
            f"wheels ({LAMBDA_RUNTIME} {LAMBDA_ARCHITECTURE}); package with a CPython 3.11 x86_64 virtualenv"
        )
    props["FunctionName"] = name
    props["Tracing"] = "Active"
    variables = props.setdefault("Environment", {}).setdefault("Variables", {})
    for variable, source in environment.environment_of(service).items():
        variables[variable] = source_value(source)
    for event in props.get("Events", {}).values():
        if event["Type"] == "SQS":
            output = exports.require(queue_output(event["Properties"]["Queue"]))
            event["Properties"]["Queue"] = import_value(output)
            event["Properties"]["FunctionResponseTypes"] = [REPORT_BATCH_ITEM_FAILURES]
    grants = grants_of(service, function)
    for output in referenced_outputs(grants):
        exports.require(output)
    role = props.get("Role")
    if not (isinstance(role, dict) and "Fn::GetAtt" in role):
        raise TemplateError(f"{name}: expected a role of its own, got {role!r}")
    role_id = role["Fn::GetAtt"][0]
    role_props = resources[role_id]["Properties"]
    role_props["Policies"] = [
        {"PolicyName": f"{role_id}Policy", "PolicyDocument": policy_document(grants, name, CloudFormationTarget())}
    ]
    return str(role_id)
