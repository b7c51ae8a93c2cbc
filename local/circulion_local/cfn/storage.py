"""DynamoDB tables, S3 buckets and bucket policies.

CloudFormation's bucket properties differ in shape from the S3 API (``ExpirationInDays``
vs ``Expiration.Days``, ``S3Key.Rules`` vs ``Key.FilterRules``): the translation is here,
and a shape it does not know is an error rather than a dropped setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from circulion_local.cfn.base import AwsEndpoint, Created, check_properties, error_code, flag, policy_json
from circulion_local.cfn.errors import ProvisioningError

_TABLE_CREATE_KEYS = ("AttributeDefinitions", "KeySchema", "BillingMode", "GlobalSecondaryIndexes")


def create_table(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(
        logical_id,
        props,
        required=("KeySchema", "AttributeDefinitions"),
        allowed=(
            "TableName",
            "BillingMode",
            "GlobalSecondaryIndexes",
            "TimeToLiveSpecification",
            "PointInTimeRecoverySpecification",
        ),
    )
    name = str(props.get("TableName") or logical_id)
    dynamodb = aws.client("dynamodb")
    try:
        arn = str(dynamodb.describe_table(TableName=name)["Table"]["TableArn"])
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        request = {key: props[key] for key in _TABLE_CREATE_KEYS if key in props}
        arn = str(dynamodb.create_table(TableName=name, **request)["TableDescription"]["TableArn"])
    ttl = props.get("TimeToLiveSpecification")
    if ttl is not None:
        current = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        wanted = "ENABLED" if flag(ttl.get("Enabled", False)) else "DISABLED"
        # Enabling TTL twice is a ValidationException on AWS: only change what differs.
        if (
            current.get("TimeToLiveStatus") != wanted
            or current.get("AttributeName", ttl["AttributeName"]) != ttl["AttributeName"]
        ):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": wanted == "ENABLED"},
            )
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr is not None:
        dynamodb.update_continuous_backups(
            TableName=name,
            PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": flag(pitr.get("PointInTimeRecoveryEnabled", False))
            },
        )
    return Created(name, {"Arn": arn})


def create_bucket(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(
        logical_id,
        props,
        allowed=(
            "BucketName",
            "VersioningConfiguration",
            "BucketEncryption",
            "PublicAccessBlockConfiguration",
            "LifecycleConfiguration",
            "NotificationConfiguration",
        ),
    )
    name = str(props.get("BucketName") or logical_id.lower())
    s3 = aws.client("s3")
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as exc:
        if error_code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
            raise
        location = (
            {} if aws.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": aws.region}}
        )
        s3.create_bucket(Bucket=name, **location)
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]}
        )
    if "BucketEncryption" in props:
        rules = [
            _encryption_rule(logical_id, rule)
            for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=dict(props["PublicAccessBlockConfiguration"])
        )
    if "LifecycleConfiguration" in props:
        rules = [_lifecycle_rule(logical_id, rule) for rule in props["LifecycleConfiguration"]["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    if "NotificationConfiguration" in props:
        _put_notifications(s3, logical_id, name, props["NotificationConfiguration"])
    return Created(
        name,
        {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{aws.region}.amazonaws.com",
        },
    )


def create_bucket_policy(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, required=("Bucket", "PolicyDocument"), allowed=())
    aws.client("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=policy_json(props["PolicyDocument"]))
    return Created(logical_id)


def _encryption_rule(logical_id: str, rule: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(rule) - {"ServerSideEncryptionByDefault", "BucketKeyEnabled"})
    if unknown:
        raise ProvisioningError(f"{logical_id}: encryption rule key(s) {', '.join(unknown)} not supported locally")
    converted: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": dict(rule["ServerSideEncryptionByDefault"])}
    if "BucketKeyEnabled" in rule:
        converted["BucketKeyEnabled"] = flag(rule["BucketKeyEnabled"])
    return converted


def _lifecycle_rule(logical_id: str, rule: Mapping[str, Any]) -> dict[str, Any]:
    known = {
        "Id",
        "Status",
        "Prefix",
        "ExpirationInDays",
        "AbortIncompleteMultipartUpload",
        "NoncurrentVersionExpiration",
        "NoncurrentVersionExpirationInDays",
    }
    unknown = sorted(set(rule) - known)
    if unknown:
        raise ProvisioningError(f"{logical_id}: lifecycle rule key(s) {', '.join(unknown)} not supported locally")
    converted: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "Id" in rule:
        converted["ID"] = rule["Id"]
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    if "AbortIncompleteMultipartUpload" in rule:
        days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        converted["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    noncurrent = rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays") or rule.get(
        "NoncurrentVersionExpirationInDays"
    )
    if noncurrent is not None:
        converted["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(noncurrent)}
    return converted


def _put_notifications(s3: Any, logical_id: str, bucket: str, config: Mapping[str, Any]) -> None:
    unknown = sorted(set(config) - {"TopicConfigurations", "QueueConfigurations"})
    if unknown:
        raise ProvisioningError(f"{logical_id}: notification target(s) {', '.join(unknown)} not supported locally")
    wanted: dict[str, Any] = {}
    for cfn_key, target_key in (("TopicConfigurations", "Topic"), ("QueueConfigurations", "Queue")):
        entries = config.get(cfn_key) or []
        if entries:
            wanted[cfn_key] = [
                {
                    f"{target_key}Arn": entry[target_key],
                    "Events": [entry["Event"]],
                    **_notification_filter(entry),
                }
                for entry in entries
            ]
    current = s3.get_bucket_notification_configuration(Bucket=bucket)
    # S3 sends an s3:TestEvent on every put: on a second run, do not send one to the consumer
    # when nothing changed.
    if all(_comparable(current.get(key, [])) == _comparable(value) for key, value in wanted.items()):
        return
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=wanted)


def _notification_filter(entry: Mapping[str, Any]) -> dict[str, Any]:
    rules = entry.get("Filter", {}).get("S3Key", {}).get("Rules")
    if not rules:
        return {}
    return {"Filter": {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}}


def _comparable(entries: list[dict[str, Any]]) -> list[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]]:
    out = []
    for entry in entries:
        arn = entry.get("TopicArn") or entry.get("QueueArn") or ""
        rules = entry.get("Filter", {}).get("Key", {}).get("FilterRules", [])
        out.append((arn, tuple(entry["Events"]), tuple((r["Name"].lower(), r["Value"]) for r in rules)))
    return sorted(out)
