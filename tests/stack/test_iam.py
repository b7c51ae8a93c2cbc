"""Least privilege, enforced (issue 19): each function runs as its own role, and the
emulator refuses what that role does not grant.

* ``ready.json`` names every function's role, ``circulion-{service}-{function}``;
* with a function's credentials, an action outside its map is denied, one inside allowed;
* with one action removed from a function's role (a test-only override of the map, put on
  the emulator's role), the record that needs it ends in the DLQ with a reason naming the
  action, the recipe shows ``FAILED``; with the action back, ``circulion dlq redrive``
  completes the recipe.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from api import UploadApi
from botocore.config import Config
from botocore.exceptions import ClientError
from cli_support import cli_json, operator_env
from support import Stack

from circulion.recipes.examples import document
from circulion.settings import RESOURCES
from circulion_local.iam.roles import function_policies, put_role_policy, role_arn, role_name
from circulion_local.ports import LOCAL_REGION

pytestmark = pytest.mark.stack


def as_role(stack: Stack, role: str, service: str) -> Any:
    """A client with a session of ``role`` (assumed with the root key, as the runtime does)."""
    answer = stack.client("sts").assume_role(RoleArn=role_arn(role), RoleSessionName="test-iam")["Credentials"]
    return boto3.client(
        service,
        endpoint_url=stack.ports.endpoint_url,
        region_name=LOCAL_REGION,
        aws_access_key_id=answer["AccessKeyId"],
        aws_secret_access_key=answer["SecretAccessKey"],
        aws_session_token=answer["SessionToken"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def denied(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    assert error["Code"] in ("AccessDenied", "AccessDeniedException"), error
    return str(error["Message"])


@contextlib.contextmanager
def role_without(stack: Stack, role: str, action: str) -> Iterator[None]:
    """The emulator's ``role`` with ``action`` taken out of its policy, put back on exit."""
    iam = stack.client("iam")
    (cut,) = [p for p in function_policies(stack.outputs, {}, without={role: [action]}) if p.name == role]
    (full,) = [p for p in function_policies(stack.outputs, {}) if p.name == role]
    put_role_policy(iam, cut)
    try:
        yield
    finally:
        put_role_policy(iam, full)


def test_every_function_and_the_api_run_as_their_own_role(stack: Stack) -> None:
    roles = stack.ready["roles"]
    assert stack.ready["enforce_iam"] is True
    labels = {f"{f['service']}.{f['function']}" for f in stack.ready["functions"]} | {"upload.api_handler"}
    assert set(roles) == labels
    for label, arn in roles.items():
        service, function = label.split(".")
        assert arn == role_arn(role_name(service, function))


def test_a_functions_role_allows_its_map_and_nothing_else(stack: Stack) -> None:
    key = f"incoming/iam-{uuid.uuid4().hex}"
    stack.client("s3").put_object(Bucket=RESOURCES.uploads_bucket, Key=key, Body=b"{}")

    distributor = "circulion-distributor-distribute"
    message = denied(lambda: as_role(stack, distributor, "s3").get_object(Bucket=RESOURCES.uploads_bucket, Key=key))
    assert f"assumed-role/{distributor}/" in message and "s3:GetObject" in message
    assert f"arn:aws:s3:::{RESOURCES.uploads_bucket}/{key}" in message
    table = as_role(stack, distributor, "dynamodb")
    table.get_item(TableName=RESOURCES.distribution_table, Key={"pk": {"S": "iam-test"}, "sk": {"S": "none"}})

    splitter = "circulion-splitter-process_chunk"
    item = {"pk": {"S": f"iam-{uuid.uuid4().hex}"}, "sk": {"S": "x"}}
    dynamodb = as_role(stack, splitter, "dynamodb")
    message = denied(lambda: dynamodb.put_item(TableName=RESOURCES.recipes_table, Item=item))
    assert "dynamodb:PutItem on resource: arn:aws:dynamodb:" in message and RESOURCES.recipes_table in message
    work = as_role(stack, splitter, "s3")
    work.put_object(Bucket=RESOURCES.work_bucket, Key=f"segments/iam-{uuid.uuid4().hex}", Body=b"x")
    denied(lambda: work.put_object(Bucket=RESOURCES.work_bucket, Key=f"plans/iam-{uuid.uuid4().hex}", Body=b"x"))
    # SSE-KMS: reading the uploads bucket needs the key too, which process_chunk has.
    assert as_role(stack, splitter, "s3").get_object(Bucket=RESOURCES.uploads_bucket, Key=key)["Body"].read() == b"{}"


def test_a_missing_key_is_404_only_for_a_role_that_may_list_the_bucket(stack: Stack) -> None:
    missing = f"artifacts/iam-{uuid.uuid4().hex}/archive.zip"
    merger = as_role(stack, "circulion-merger-coordinate", "s3")  # has s3:ListBucket on the artifacts bucket
    with pytest.raises(ClientError) as caught:
        merger.head_object(Bucket=RESOURCES.artifacts_bucket, Key=missing)
    assert caught.value.response["Error"]["Code"] == "404"
    splitter = as_role(stack, "circulion-splitter-process_chunk", "s3")  # may read incoming/*, not list
    message = denied(lambda: splitter.get_object(Bucket=RESOURCES.uploads_bucket, Key=f"incoming/{uuid.uuid4().hex}"))
    assert f"s3:ListBucket on resource: arn:aws:s3:::{RESOURCES.uploads_bucket} " in message


def test_the_operator_role_reads_dead_letters_and_nothing_else(stack: Stack) -> None:
    operator = "circulion-operator"
    assert as_role(stack, operator, "sqs").list_queues(QueueNamePrefix="circulion-")["QueueUrls"]
    # ``circulion ops`` reads the recipes table; nothing of the operator's may write it.
    assert "Items" in as_role(stack, operator, "dynamodb").scan(TableName=RESOURCES.recipes_table, Limit=1)
    item = {"pk": {"S": "operator-probe"}, "sk": {"S": "operator-probe"}}
    denied(lambda: as_role(stack, operator, "dynamodb").put_item(TableName=RESOURCES.recipes_table, Item=item))


MISSING = [
    # (function's role, the action taken away, its DLQ, the stage the recipe fails in, redrive completes)
    ("circulion-splitter-process_chunk", "s3:PutObject", f"{RESOURCES.work_queue}-dlq", "process_chunk", True),
    ("circulion-merger-coordinate", "dynamodb:PutItem", f"{RESOURCES.merger_queue}-dlq", "coordinate", True),
    ("circulion-distributor-distribute", "cloudfront:CreateInvalidation", f"{RESOURCES.distributor_queue}-dlq",
     "distribute", True),
    ("circulion-upload-validate", "kms:Decrypt", f"{RESOURCES.upload_validate_queue}-dlq", "validate", True),
]  # fmt: skip


@pytest.mark.parametrize(("role", "action", "dlq", "function", "completes"), MISSING, ids=[m[0] for m in MISSING])
def test_a_missing_action_dead_letters_the_record_and_fails_the_recipe_until_redriven(
    stack: Stack, role: str, action: str, dlq: str, function: str, completes: bool
) -> None:
    api = UploadApi.for_tenant(stack.ports, f"iam-{uuid.uuid4().hex[:8]}")
    data = json.dumps(document(4)).encode()
    with role_without(stack, role, action):
        recipe_id = api.upload_recipe(f"iam-{uuid.uuid4().hex[:6]}", data, "application/json")
        failed = api.wait_for_status(recipe_id, {"FAILED", "DISTRIBUTED"}, timeout=180, fail=pytest.fail)
        assert failed["status"] == "FAILED", failed
        assert any(e["code"] == "access_denied" and action in e["message"] for e in failed["errors"]), failed
        letters = cli_json(operator_env(stack), "dlq", "list", "--recipe", recipe_id)
        assert letters and all(letter["queue"] == dlq for letter in letters), letters
        assert all(letter["failed_function"] == function for letter in letters)
        assert all(f"access_denied: {action} on arn:" in letter["failure_reason"] for letter in letters), letters
    report = cli_json(operator_env(stack), "dlq", "redrive", "--recipe", recipe_id)
    assert {m["recipe_id"] for m in report["moved"]} == {recipe_id} and not report["failed"]
    if completes:
        api.wait_for_status(recipe_id, {"DISTRIBUTED"}, timeout=180, fail=pytest.fail)
