"""KMS keys and aliases, Secrets Manager secrets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from circulion_local.cfn.base import AwsEndpoint, Created, check_properties, error_code, flag, policy_json

LOGICAL_ID_TAG = "circulion:logical-id"
"""KMS keys have no name: this tag finds the key a previous run created."""


def create_kms_key(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(
        logical_id, props, allowed=("Description", "EnableKeyRotation", "KeyPolicy", "KeyUsage", "KeySpec")
    )
    kms = aws.client("kms")
    key_id = _tagged_key(kms, logical_id)
    if key_id is None:
        request: dict[str, Any] = {"Tags": [{"TagKey": LOGICAL_ID_TAG, "TagValue": logical_id}]}
        if "Description" in props:
            request["Description"] = str(props["Description"])
        if "KeyPolicy" in props:
            request["Policy"] = policy_json(props["KeyPolicy"])
        if "KeyUsage" in props:
            request["KeyUsage"] = str(props["KeyUsage"])
        if "KeySpec" in props:
            request["KeySpec"] = str(props["KeySpec"])
        key_id = str(kms.create_key(**request)["KeyMetadata"]["KeyId"])
    if flag(props.get("EnableKeyRotation", False)):
        kms.enable_key_rotation(KeyId=key_id)
    arn = str(kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"])
    return Created(key_id, {"Arn": arn, "KeyId": key_id})


def _tagged_key(kms: Any, logical_id: str) -> str | None:
    for page in kms.get_paginator("list_keys").paginate():
        for key in page["Keys"]:
            tags = kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
            if {"TagKey": LOGICAL_ID_TAG, "TagValue": logical_id} in tags:
                return str(key["KeyId"])
    return None


def create_kms_alias(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, required=("AliasName", "TargetKeyId"), allowed=())
    kms = aws.client("kms")
    name, target = str(props["AliasName"]), str(props["TargetKeyId"])
    try:
        kms.create_alias(AliasName=name, TargetKeyId=target)
    except ClientError as exc:
        if error_code(exc) != "AlreadyExistsException":
            raise
        kms.update_alias(AliasName=name, TargetKeyId=target)
    return Created(name)


def create_secret(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, required=("Name", "SecretString"), allowed=("Description", "KmsKeyId"))
    secrets = aws.client("secretsmanager")
    name, value = str(props["Name"]), str(props["SecretString"])
    extra = {key: str(props[key]) for key in ("Description", "KmsKeyId") if key in props}
    try:
        arn = str(secrets.create_secret(Name=name, SecretString=value, **extra)["ARN"])
    except ClientError as exc:
        if error_code(exc) != "ResourceExistsException":
            raise
        arn = str(secrets.describe_secret(SecretId=name)["ARN"])
        # A new version only when the value changed, so reruns do not pile up versions.
        if secrets.get_secret_value(SecretId=name).get("SecretString") != value:
            secrets.put_secret_value(SecretId=name, SecretString=value)
    return Created(arn, {"Id": arn})
