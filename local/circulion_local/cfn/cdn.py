"""CloudFront: origin access controls, public keys, key groups, distributions.

CloudFormation writes lists where the CloudFront API wants ``{Quantity, Items}``; the
translation covers what the template uses and refuses the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from circulion_local.cfn.base import AwsEndpoint, Created, check_properties, flag
from circulion_local.cfn.errors import ProvisioningError

_PLAIN_DISTRIBUTION_KEYS = ("Comment", "Enabled", "HttpVersion", "PriceClass", "DefaultRootObject")
_PLAIN_BEHAVIOUR_KEYS = ("TargetOriginId", "ViewerProtocolPolicy", "Compress", "CachePolicyId", "OriginRequestPolicyId")


def create_origin_access_control(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, required=("OriginAccessControlConfig",), allowed=())
    config = dict(props["OriginAccessControlConfig"])
    cloudfront = aws.client("cloudfront")
    listing = cloudfront.list_origin_access_controls()["OriginAccessControlList"]
    existing = [item["Id"] for item in listing.get("Items", []) if item["Name"] == config["Name"]]
    if existing:
        oac_id = str(existing[0])
    else:
        oac_id = str(
            cloudfront.create_origin_access_control(OriginAccessControlConfig=config)["OriginAccessControl"]["Id"]
        )
    return Created(oac_id, {"Id": oac_id})


def create_public_key(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, required=("PublicKeyConfig",), allowed=())
    config = dict(props["PublicKeyConfig"])
    cloudfront = aws.client("cloudfront")
    for item in cloudfront.list_public_keys()["PublicKeyList"].get("Items", []):
        if item["Name"] == config["Name"]:
            if item["EncodedKey"].strip() != str(config["EncodedKey"]).strip():
                raise ProvisioningError(
                    f"{logical_id}: public key {config['Name']} already exists with another key; "
                    "restart the emulator (its state is in memory) to provision the new one"
                )
            return Created(str(item["Id"]), {"Id": str(item["Id"])})
    key_id = str(cloudfront.create_public_key(PublicKeyConfig=config)["PublicKey"]["Id"])
    return Created(key_id, {"Id": key_id})


def create_key_group(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, required=("KeyGroupConfig",), allowed=())
    config = dict(props["KeyGroupConfig"])
    cloudfront = aws.client("cloudfront")
    for item in cloudfront.list_key_groups()["KeyGroupList"].get("Items", []):
        group = item["KeyGroup"]
        if group["KeyGroupConfig"]["Name"] == config["Name"]:
            return Created(str(group["Id"]), {"Id": str(group["Id"])})
    group_id = str(cloudfront.create_key_group(KeyGroupConfig=config)["KeyGroup"]["Id"])
    return Created(group_id, {"Id": group_id})


def create_distribution(aws: AwsEndpoint, logical_id: str, props: Mapping[str, Any]) -> Created:
    check_properties(logical_id, props, required=("DistributionConfig",), allowed=())
    caller_reference = f"circulion-{logical_id}"
    cloudfront = aws.client("cloudfront")
    for item in cloudfront.list_distributions()["DistributionList"].get("Items", []):
        config = cloudfront.get_distribution_config(Id=item["Id"])["DistributionConfig"]
        if config["CallerReference"] == caller_reference:
            return Created(str(item["Id"]), {"Id": str(item["Id"]), "DomainName": str(item["DomainName"])})
    api_config = distribution_config(logical_id, props["DistributionConfig"], caller_reference)
    distribution = cloudfront.create_distribution(DistributionConfig=api_config)["Distribution"]
    return Created(
        str(distribution["Id"]), {"Id": str(distribution["Id"]), "DomainName": str(distribution["DomainName"])}
    )


def distribution_config(logical_id: str, config: Mapping[str, Any], caller_reference: str) -> dict[str, Any]:
    """CloudFormation's ``DistributionConfig`` in the CloudFront API's shape."""
    known = {*_PLAIN_DISTRIBUTION_KEYS, "Origins", "DefaultCacheBehavior", "Aliases", "IPV6Enabled"}
    _refuse_unknown(logical_id, "DistributionConfig", config, known)
    converted: dict[str, Any] = {key: config[key] for key in _PLAIN_DISTRIBUTION_KEYS if key in config}
    converted["Enabled"] = flag(config.get("Enabled", True))
    converted.setdefault("Comment", "")
    converted["CallerReference"] = caller_reference
    if "IPV6Enabled" in config:
        converted["IsIPV6Enabled"] = flag(config["IPV6Enabled"])
    if "Aliases" in config:
        converted["Aliases"] = _quantified(config["Aliases"])
    converted["Origins"] = _quantified([_origin(logical_id, origin) for origin in config["Origins"]])
    converted["DefaultCacheBehavior"] = _behaviour(logical_id, config["DefaultCacheBehavior"])
    return converted


def _origin(logical_id: str, origin: Mapping[str, Any]) -> dict[str, Any]:
    _refuse_unknown(
        logical_id, "Origin", origin, {"Id", "DomainName", "OriginPath", "OriginAccessControlId", "S3OriginConfig"}
    )
    converted = {
        key: origin[key] for key in ("Id", "DomainName", "OriginPath", "OriginAccessControlId") if key in origin
    }
    converted["S3OriginConfig"] = {
        "OriginAccessIdentity": str(origin.get("S3OriginConfig", {}).get("OriginAccessIdentity", ""))
    }
    return converted


def _behaviour(logical_id: str, behaviour: Mapping[str, Any]) -> dict[str, Any]:
    known = {*_PLAIN_BEHAVIOUR_KEYS, "AllowedMethods", "CachedMethods", "TrustedKeyGroups"}
    _refuse_unknown(logical_id, "DefaultCacheBehavior", behaviour, known)
    converted: dict[str, Any] = {key: behaviour[key] for key in _PLAIN_BEHAVIOUR_KEYS if key in behaviour}
    if "Compress" in converted:
        converted["Compress"] = flag(converted["Compress"])
    allowed = list(behaviour.get("AllowedMethods", ["GET", "HEAD"]))
    cached = list(behaviour.get("CachedMethods", ["GET", "HEAD"]))
    converted["AllowedMethods"] = {**_quantified(allowed), "CachedMethods": _quantified(cached)}
    if "TrustedKeyGroups" in behaviour:
        groups = list(behaviour["TrustedKeyGroups"])
        converted["TrustedKeyGroups"] = {"Enabled": bool(groups), **_quantified(groups)}
    return converted


def _quantified(items: list[Any]) -> dict[str, Any]:
    return {"Quantity": len(items), "Items": items}


def _refuse_unknown(logical_id: str, where: str, value: Mapping[str, Any], known: set[str]) -> None:
    unknown = sorted(set(value) - known)
    if unknown:
        raise ProvisioningError(f"{logical_id}: {where} key(s) {', '.join(unknown)} not supported locally")
