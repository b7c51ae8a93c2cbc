"""The permission map and the vendoring rules, without packaging anything."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from circulion_local.cfn.template import load_template
from deploy import environment
from deploy.grants import DLQ_SUFFIX, Everything, Exported
from deploy.infra import INFRA_TEMPLATE, load_exports
from deploy.permissions import PERMISSIONS
from deploy.permissions_table import END, render, splice
from deploy.policy import referenced_outputs
from deploy.vendoring import VendoringError, check_abi, reachable_imports, required_distributions, third_party

REPO = Path(__file__).resolve().parents[2]


def test_every_grant_refers_to_an_exported_infra_output() -> None:
    exported = load_exports().names
    for service, functions in PERMISSIONS.items():
        for grants in functions.values():
            assert referenced_outputs(grants) <= exported
        assert {e for e in environment.exports_of(service)} <= exported


def test_only_x_ray_gets_a_wildcard_and_actions_are_explicit() -> None:
    for functions in PERMISSIONS.values():
        for grants in functions.values():
            for grant in grants:
                assert all(":" in a and "*" not in a for a in grant.actions), grant
                if any(isinstance(r, Everything) for r in grant.resources):
                    assert all(a.startswith("xray:") for a in grant.actions), grant


def test_dead_letter_queues_follow_the_naming_the_grants_assume() -> None:
    """A consumer's DLQ grant is its queue's ARN + ``-dlq``: infra must name them so."""
    resources = load_template(INFRA_TEMPLATE).resources
    queues = {spec.logical_id: spec for spec in resources.values() if spec.type == "AWS::SQS::Queue"}
    for spec in queues.values():
        redrive = spec.properties.get("RedrivePolicy")
        if redrive:
            dlq = queues[redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]]
            assert dlq.properties["QueueName"] == spec.properties["QueueName"] + DLQ_SUFFIX
    dead_letter_grants = [
        r
        for fs in PERMISSIONS.values()
        for gs in fs.values()
        for g in gs
        if g.sid.startswith("DeadLetter")
        for r in g.resources
    ]
    assert dead_letter_grants and all(isinstance(r, Exported) and r.suffix == DLQ_SUFFIX for r in dead_letter_grants)


def test_bucket_grants_are_limited_to_prefixes() -> None:
    for functions in PERMISSIONS.values():
        for grants in functions.values():
            for grant in grants:
                if grant.actions == ("s3:ListBucket",):  # bucket-level by nature: only where a 404 is needed
                    assert all(isinstance(r, Exported) and not r.suffix for r in grant.resources), grant
                    continue
                if any(a.startswith("s3:") for a in grant.actions):
                    for resource in grant.resources:
                        assert isinstance(resource, Exported) and resource.output.endswith("BucketArn")
                        prefix = resource.suffix.removeprefix("/").split("/")[0]
                        assert prefix in {"incoming", "segments", "plans", "reports", "artifacts"}, resource


def test_deploy_md_permission_table_is_current() -> None:
    document = (REPO / "docs" / "DEPLOY.md").read_text()
    assert splice(document, render()) == document, "run: python -m deploy.permissions_table --write docs/DEPLOY.md"
    assert END in document


def test_reachable_imports_follow_local_modules_only_where_used(tmp_path: Path) -> None:
    (tmp_path / "chalicelib").mkdir()
    (tmp_path / "chalicelib" / "__init__.py").write_text("")
    (tmp_path / "chalicelib" / "used.py").write_text("def f():\n    import yaml\n")
    (tmp_path / "chalicelib" / "unused.py").write_text("import matplotlib\n")
    (tmp_path / "chalicelib" / "rel.py").write_text("from . import used\nimport json\n")
    (tmp_path / "app.py").write_text("from chalicelib import rel\nimport pydantic.fields\n")
    found = third_party(reachable_imports(tmp_path / "app.py", [tmp_path]))
    assert found == {"yaml", "pydantic"}


def test_required_distributions_add_dependencies_but_not_what_lambda_ships() -> None:
    names = {n.lower().replace("_", "-") for n in required_distributions({"aws_xray_sdk", "pydantic"})}
    assert {"aws-xray-sdk", "wrapt", "pydantic", "pydantic-core", "annotated-types"} <= names
    assert not names & {"botocore", "boto3", "urllib3"}
    with pytest.raises(VendoringError):
        required_distributions({"no_such_module_anywhere"})


def test_a_wheel_for_another_platform_is_refused(tmp_path: Path) -> None:
    info = tmp_path / "fake-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake\nVersion: 1.0\n")
    (info / "WHEEL").write_text("Wheel-Version: 1.0\nTag: cp311-cp311-macosx_11_0_arm64\n")
    with pytest.raises(VendoringError, match="macosx"):
        check_abi(metadata.PathDistribution(info))
    (info / "WHEEL").write_text("Wheel-Version: 1.0\nTag: cp311-cp311-manylinux_2_17_x86_64\n")
    (info / "RECORD").write_text("fake/_speed.cpython-312-x86_64-linux-gnu.so,,\n")
    with pytest.raises(VendoringError, match="cpython-312"):
        check_abi(metadata.PathDistribution(info))
