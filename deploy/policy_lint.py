"""``python -m deploy.policy_lint``: every role's policy checked against IAM's catalogue (``make lint``).

cfn-lint skips its IAM rules for templates with the Serverless transform, which every
packaged template has, so a misspelt action or one granted on the wrong resource type
would first fail in production as AccessDenied. This check renders each function's
policy from ``deploy/permissions.py`` (the same :func:`deploy.policy.policy_document` the
packaged templates use) for every stage in the service's ``.chalice/config.json``, with
each infra export replaced by an ARN of the resource it exports, plus the operator role,
and reports, per function:

* an action that is not in the IAM action catalogue (:mod:`deploy.policy_catalogue`);
* an action none of whose statement's resources is of a type it acts on;
* a ``*`` resource where the action supports resource-level permissions (allowed only
  for actions that have none, e.g. X-Ray's);
* an inline policy over IAM's limit for a role's inline policies.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from circulion_local.cfn.template import load_template
from deploy.grants import Grant
from deploy.infra import INFRA_TEMPLATE
from deploy.operator_role import OPERATOR_ROLE, operator_grants
from deploy.permissions import PERMISSIONS
from deploy.policy import policy_document
from deploy.policy_catalogue import Catalogue, bundled

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"
MAX_INLINE_POLICY_CHARS = 10240
"""IAM's quota on a role's inline policies together, counted without whitespace."""
ACCOUNT, REGION = "123456789012", "us-east-1"
_SAMPLE_ARNS = {
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{name}",
    "AWS::SNS::Topic": "arn:aws:sns:{region}:{account}:{name}",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "AWS::S3::Bucket": "arn:aws:s3:::{name}",
    "AWS::KMS::Key": "arn:aws:kms:{region}:{account}:key/00000000-0000-0000-0000-000000000000",
    "AWS::SecretsManager::Secret": "arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbCdEf",
    "AWS::CloudFront::Distribution": "EDFDVBD6EXAMPLE",
}
"""What an output of a resource of each type resolves to (a distribution's output is its id)."""
_REF_IS_ARN = frozenset({"AWS::SNS::Topic", "AWS::SecretsManager::Secret", "AWS::CloudFront::Distribution"})
_NAMES = ("QueueName", "TopicName", "TableName", "BucketName", "Name")


@dataclass(frozen=True)
class Finding:
    """One problem in one function's policy."""

    function: str
    sid: str
    problem: str

    def __str__(self) -> str:
        return f"{self.function} [{self.sid}]: {self.problem}"


@dataclass(frozen=True)
class SampleTarget:
    """Grants spelt as concrete ARNs: each export is an ARN of the resource type it exports."""

    exports: Mapping[str, str]

    def exported(self, output: str, suffix: str) -> Any:
        if output not in self.exports:
            raise KeyError(f"a grant names infra output {output}, which exports no ARN (or does not exist)")
        return self.exports[output] + suffix

    def distribution(self, id_output: str) -> Any:
        return f"arn:aws:cloudfront::{ACCOUNT}:distribution/{self.exports[id_output]}"

    def log_group(self, function_name: str, suffix: str) -> Any:
        return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{function_name}{suffix}"

    def cloudwatch(self, path: str) -> Any:
        return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:{path}"


def sample_exports(template_path: Path = INFRA_TEMPLATE) -> dict[str, str]:
    """Output name -> an ARN (or id) of the shape the infra output exports."""
    template = load_template(template_path)
    exports = {}
    for output, body in template.outputs.items():
        value: Any = body.get("Value")
        if not isinstance(value, dict):
            continue
        if "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Arn":
            logical = value["Fn::GetAtt"][0]
        elif "Ref" in value:
            logical = value["Ref"]
        else:
            continue
        spec = template.resources.get(str(logical))
        if spec is None or spec.type not in _SAMPLE_ARNS or ("Ref" in value and spec.type not in _REF_IS_ARN):
            continue  # a name or URL output: grants name ARNs
        name = next((spec.properties[p] for p in _NAMES if isinstance(spec.properties.get(p), str)), logical)
        exports[output] = _SAMPLE_ARNS[spec.type].format(region=REGION, account=ACCOUNT, name=name)
    return exports


def check_policy(function: str, document: Mapping[str, Any], catalogue: Catalogue) -> list[Finding]:
    """Every problem of one rendered policy document."""
    findings = []
    for statement in document["Statement"]:
        sid = str(statement.get("Sid", "?"))
        resources = _listed(statement["Resource"])
        for name in _listed(statement["Action"]):
            action = catalogue.action(name)
            if action is None:
                findings.append(Finding(function, sid, f"{name} is not an IAM action (misspelt?)"))
                continue
            if "*" in resources:
                if action.resource_types:
                    kinds = "/".join(sorted(action.resource_types))
                    findings.append(Finding(function, sid, f"{name} on *: it supports resource-level ({kinds}) ARNs"))
                continue
            if not action.resource_types:
                findings.append(Finding(function, sid, f"{name} has no resource-level permissions: grant it on *"))
                continue
            granted = [r for r in resources if catalogue.resource_types(r) & action.resource_types]
            if not granted:
                kinds = "/".join(sorted(action.resource_types))
                findings.append(Finding(function, sid, f"{name} acts on {kinds}, granted on {', '.join(resources)}"))
    size = len("".join(json.dumps(document).split()))
    if size > MAX_INLINE_POLICY_CHARS:
        findings.append(
            Finding(function, "-", f"inline policy is {size} characters, over IAM's {MAX_INLINE_POLICY_CHARS}")
        )
    return findings


def rendered_policies(exports: Mapping[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(label, policy)`` of every function of every service in every stage, and the operator's."""
    target = SampleTarget(exports)
    for service, functions in PERMISSIONS.items():
        app_name, stages = _app(service)
        for stage in stages:
            for function, grants in functions.items():
                lambda_name = f"{app_name}-{stage}-{function}"
                yield f"{service}.{function} ({lambda_name})", policy_document(grants, lambda_name, target)
    yield OPERATOR_ROLE, policy_document(operator_grants(), OPERATOR_ROLE, target)


def lint(policies: Iterator[tuple[str, dict[str, Any]]], catalogue: Catalogue | None = None) -> list[Finding]:
    catalogue = catalogue or bundled()
    return [finding for label, document in policies for finding in check_policy(label, document, catalogue)]


def policy_of(grants: Sequence[Grant], function_name: str, exports: Mapping[str, str]) -> dict[str, Any]:
    """One policy rendered as the lint sees it (for tests of a single function's grants)."""
    return policy_document(grants, function_name, SampleTarget(exports))


def _app(service: str) -> tuple[str, list[str]]:
    config = json.loads((SERVICES_DIR / service / ".chalice" / "config.json").read_text())
    return str(config.get("app_name", f"circulion-{service}")), sorted(config.get("stages", {"prod": {}}))


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def main() -> int:
    findings = lint(rendered_policies(sample_exports()))
    for finding in findings:
        print(finding, file=sys.stderr)
    if findings:
        print(f"{len(findings)} problem(s) in the IAM policies of deploy/permissions.py", file=sys.stderr)
        return 1
    print("IAM policies: every action known and granted on its resource type; sizes within limits")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
