"""Each deployment.zip, unpacked alone, imports with nothing but what Lambda provides.

The check runs in ``python -I -S`` (no site-packages, no PYTHON* variables) with a
``sys.path`` of the unpacked bundle and a directory holding only boto3 and its
dependencies, as the Lambda python3.11 runtime does; every ``Handler`` of the template
must resolve and nothing may be loaded from outside those two directories and the
standard library.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Any

import pytest

from deploy.package import Bundle
from deploy.permissions import SERVICES

LAMBDA_RUNTIME_MODULES = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six")

PROBE = r"""
import importlib, json, sys
bundle, runtime, handlers, health = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4] == "1"
sys.path[:0] = [bundle, runtime]
import app
resolved = {}
for handler in handlers:
    module, _, name = handler.partition(".")
    resolved[handler] = callable(getattr(importlib.import_module(module), name))
sources = [
    {"name": s.name, "queue": getattr(s, "queue", None), "batch_size": getattr(s, "batch_size", None),
     "maximum_concurrency": getattr(s, "maximum_concurrency", None)}
    for s in app.app.event_sources
]
status = None
if health:
    event = {"resource": "/health", "path": "/health", "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
             "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
             "stageVariables": None, "body": None, "isBase64Encoded": False,
             "requestContext": {"resourcePath": "/health", "httpMethod": "GET", "path": "/api/health",
                                "stage": "api", "requestId": "probe"}}
    class Context:
        aws_request_id = "probe"
        function_name = "probe"
        memory_limit_in_mb = 128
        def get_remaining_time_in_millis(self):
            return 30000
    status = app.app(event, Context())["statusCode"]
vendored = {}
for name in sorted(set(m.split(".")[0] for m in list(sys.modules))):
    module = sys.modules.get(name)
    vendored[name] = getattr(module, "__file__", None)
print(json.dumps({"resolved": resolved, "sources": sources, "status": status, "files": vendored}))
"""


@pytest.fixture(scope="module")
def lambda_runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with only what the Lambda runtime provides, linked from this venv."""
    runtime = tmp_path_factory.mktemp("lambda-runtime")
    for name in LAMBDA_RUNTIME_MODULES:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (runtime / source.name).symlink_to(source)
    return runtime


def _probe(bundle: Bundle, tmp_path: Path, runtime: Path) -> dict[str, Any]:
    unpacked = tmp_path / "task"
    unpacked.mkdir()
    with zipfile.ZipFile(bundle.deployment_zip) as archive:
        archive.extractall(unpacked)
    template = json.loads(bundle.sam_template.read_text())
    handlers = [
        r["Properties"]["Handler"] for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"
    ]
    health = "1" if bundle.service == "upload" else "0"
    env = {"AWS_DEFAULT_REGION": "us-east-1", "CIRCULION_TRACING_ENABLED": "false", "LANG": "C.UTF-8"}
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", PROBE, str(unpacked), str(runtime), json.dumps(handlers), health],
        cwd=unpacked,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    outcome["unpacked"] = unpacked
    return outcome


@pytest.mark.parametrize("service", SERVICES)
def test_every_handler_resolves_from_the_unpacked_bundle_alone(
    service: str, bundles: dict[str, Bundle], lambda_runtime: Path, tmp_path: Path
) -> None:
    outcome = _probe(bundles[service], tmp_path, lambda_runtime)
    assert outcome["resolved"] and all(outcome["resolved"].values()), outcome["resolved"]
    stdlib = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
    allowed = (str(outcome["unpacked"]), str(lambda_runtime), *stdlib)
    outside = {n: f for n, f in outcome["files"].items() if f and not f.startswith(allowed)}
    assert outside == {}, outside
    assert "pydantic_core" in outcome["files"]  # the vendored wheel really loaded


def test_the_api_answers_from_the_unpacked_bundle(
    bundles: dict[str, Bundle], lambda_runtime: Path, tmp_path: Path
) -> None:
    outcome = _probe(bundles["upload"], tmp_path, lambda_runtime)
    assert outcome["status"] == 200


def test_templates_match_the_decorators(bundles: dict[str, Bundle], lambda_runtime: Path, tmp_path: Path) -> None:
    """Batch size and maximum concurrency in the template are the ones the app declares."""
    outcome = _probe(bundles["splitter"], tmp_path, lambda_runtime)
    declared = {s["name"]: s for s in outcome["sources"]}
    template = json.loads(bundles["splitter"].sam_template.read_text())
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        name = resource["Properties"]["Handler"].removeprefix("app.")
        event = next(iter(resource["Properties"]["Events"].values()))["Properties"]
        assert event["BatchSize"] == declared[name]["batch_size"]
        concurrency = declared[name]["maximum_concurrency"]
        assert event.get("ScalingConfig", {}).get("MaximumConcurrency") == concurrency
