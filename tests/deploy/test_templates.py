"""Assertions on the generated SAM templates and Terraform configurations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from deploy.infra import INFRA_TEMPLATE, load_exports
from deploy.package import LAMBDA_UNZIPPED_LIMIT, Bundle
from deploy.permissions import PERMISSIONS
from deploy.policy import policy_document
from deploy.sam import CloudFormationTarget, function_of
from deploy.terraform import TerraformTarget


def _sam(bundle: Bundle) -> dict[str, Any]:
    template: dict[str, Any] = json.loads(bundle.sam_template.read_text())
    return template


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                found.extend(policy["PolicyDocument"]["Statement"])
    return found


def _is_import(value: Any) -> str | None:
    """The infra output an ``Fn::ImportValue`` of ``${InfraStackName}-X`` names."""
    if isinstance(value, dict) and set(value) == {"Fn::ImportValue"}:
        sub = value["Fn::ImportValue"].get("Fn::Sub", "")
        if sub.startswith("${InfraStackName}-"):
            return str(sub.removeprefix("${InfraStackName}-"))
    return None


def test_every_sqs_event_source_reports_batch_item_failures_and_imports_its_queue(bundles: dict[str, Bundle]) -> None:
    exported = load_exports().names
    sources = 0
    for bundle in bundles.values():
        for fn in _functions(_sam(bundle)).values():
            for event in fn["Properties"].get("Events", {}).values():
                if event["Type"] != "SQS":
                    continue
                sources += 1
                assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
                output = _is_import(event["Properties"]["Queue"])
                assert output in exported and output.endswith("QueueArn")
    assert sources == 6  # validate, track_status, split, process_chunk, coordinate, distribute
    assert all(
        '"Fn::Sub": "arn:${AWS::Partition}:sqs' not in bundle.sam_template.read_text() for bundle in bundles.values()
    )


def test_the_work_queue_keeps_its_maximum_concurrency(bundles: dict[str, Bundle]) -> None:
    fn = _functions(_sam(bundles["splitter"]))["ProcessChunk"]
    event = next(iter(fn["Properties"]["Events"].values()))
    assert event["Properties"]["ScalingConfig"] == {"MaximumConcurrency": 1000}
    assert event["Properties"]["BatchSize"] == 1


def test_tracing_is_active_on_every_function_and_the_api(bundles: dict[str, Bundle]) -> None:
    for bundle in bundles.values():
        template = _sam(bundle)
        assert all(fn["Properties"]["Tracing"] == "Active" for fn in _functions(template).values())
        apis = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Api"]
        assert all(api["Properties"]["TracingEnabled"] is True for api in apis)
    assert len(_functions(_sam(bundles["upload"]))) == 4  # api, validate, track_status, resend_commands


def test_no_wildcard_resources_or_actions_except_x_ray(bundles: dict[str, Bundle]) -> None:
    for bundle in bundles.values():
        for statement in _statements(_sam(bundle)):
            assert statement["Effect"] == "Allow"
            assert all("*" not in action for action in statement["Action"]), statement
            resources = statement["Resource"]
            if "*" in resources:
                assert resources == ["*"] and all(a.startswith("xray:") for a in statement["Action"]), statement
            for resource in resources:
                text = json.dumps(resource)
                assert "arn:*" not in text and ":*:*" not in text, statement


def test_each_function_has_its_own_role_with_exactly_its_declared_permissions(bundles: dict[str, Bundle]) -> None:
    for service, bundle in bundles.items():
        template = _sam(bundle)
        roles = []
        for fn in _functions(template).values():
            props = fn["Properties"]
            function = function_of(props["Handler"])
            role = props["Role"]["Fn::GetAtt"][0]
            roles.append(role)
            policies = template["Resources"][role]["Properties"]["Policies"]
            expected = policy_document(PERMISSIONS[service][function], props["FunctionName"], CloudFormationTarget())
            assert [p["PolicyDocument"] for p in policies] == [expected]
        assert len(set(roles)) == len(roles) == len(PERMISSIONS[service])
        assert "DefaultRole" not in template["Resources"]


def test_consumers_may_use_exactly_the_queue_they_are_mapped_to(bundles: dict[str, Bundle]) -> None:
    for bundle in bundles.values():
        template = _sam(bundle)
        for fn in _functions(template).values():
            queues = [
                _is_import(e["Properties"]["Queue"])
                for e in fn["Properties"].get("Events", {}).values()
                if e["Type"] == "SQS"
            ]
            role = template["Resources"][fn["Properties"]["Role"]["Fn::GetAtt"][0]]
            statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            receivers = [s for s in statements if "sqs:ReceiveMessage" in s["Action"]]
            assert [_is_import(r) for s in receivers for r in s["Resource"]] == queues


def test_functions_get_account_region_and_infra_values(bundles: dict[str, Bundle]) -> None:
    upload = _functions(_sam(bundles["upload"]))["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert upload["CIRCULION_ACCOUNT_ID"] == {"Ref": "AWS::AccountId"}
    assert upload["CIRCULION_JWKS_URL"] == {"Ref": "JwksUrl"}
    assert _is_import(upload["CIRCULION_CDN_BASE_URL"]["Fn::Join"][1][1]) == "DistributionDomainName"
    distributor = _functions(_sam(bundles["distributor"]))["Distribute"]["Properties"]["Environment"]["Variables"]
    assert _is_import(distributor["CIRCULION_DISTRIBUTION_ID"]) == "DistributionId"
    assert distributor["CIRCULION_STAGE"] == "prod"  # the stage's own variables stay


def test_terraform_variant_is_post_processed_the_same_way(bundles: dict[str, Bundle]) -> None:
    exported = load_exports().names
    for service, bundle in bundles.items():
        config = json.loads(bundle.terraform_config.read_text())
        resources = config["resource"]
        for mapping in resources.get("aws_lambda_event_source_mapping", {}).values():
            assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
            assert mapping["event_source_arn"].startswith("${data.aws_cloudformation_export.")
        for function, body in resources["aws_lambda_function"].items():
            assert body["tracing_config"] == {"mode": "Active"}
            role = body["role"].split(".")[1]
            document = json.loads(resources["aws_iam_role_policy"][role]["policy"])
            assert document == policy_document(PERMISSIONS[service][function], body["function_name"], TerraformTarget())
        for name, data in config["data"]["aws_cloudformation_export"].items():
            assert name in exported and data["name"] == f"${{var.infra_stack_name}}-{name}"


def test_bundles_fit_lambda(bundles: dict[str, Bundle]) -> None:
    for bundle in bundles.values():
        assert bundle.unzipped_bytes < LAMBDA_UNZIPPED_LIMIT
    # Only services that reach circulion.cdn_signing ship cryptography.
    assert "cryptography" in bundles["upload"].distributions
    assert "cryptography" not in bundles["splitter"].distributions


def test_cfn_lint_passes_on_infra_and_every_generated_template(bundles: dict[str, Bundle]) -> None:
    templates = [str(INFRA_TEMPLATE), *(str(b.sam_template) for b in bundles.values())]
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), *templates], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
