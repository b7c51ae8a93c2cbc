"""Create exactly the resources of ``infra/template.yaml`` in the emulator.

moto's CloudFormation would skip subscriptions, bucket notifications, TTL, topic policies
and CloudFront (measured on 5.2.5), so the template is read here and every resource is
created through its service API, in dependency order. The template is the only list of
resources: a type this module does not know stops provisioning with a
:class:`ProvisioningError` naming it, before anything is created.

Examples
--------
>>> stack = provision_stack("http://127.0.0.1:4566", TEMPLATE_PATH, {...})  # doctest: +SKIP
>>> stack.outputs["EventsTopicArn"]  # doctest: +SKIP
'arn:aws:sns:us-east-1:123456789012:circulion-recipe-events'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from circulion.log import fields, get_logger
from circulion_local.cfn import cdn, identity, messaging, monitoring, security, storage
from circulion_local.cfn.base import AwsEndpoint, ResourceType
from circulion_local.cfn.errors import ProvisioningError
from circulion_local.cfn.intrinsics import Resolver, bind_parameters, creation_order
from circulion_local.cfn.template import Template, load_template

__all__ = ["RESOURCE_TYPES", "STACK_NAME", "TEMPLATE_PATH", "ProvisionedStack", "ProvisioningError", "provision_stack"]

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"
"""The shared-resources template, beside the checkout's ``local/`` package."""

STACK_NAME = "circulion"
"""``AWS::StackName`` locally (export names are prefixed with it)."""

RESOURCE_TYPES: Mapping[str, ResourceType] = {
    "AWS::KMS::Key": security.create_kms_key,
    "AWS::KMS::Alias": security.create_kms_alias,
    "AWS::SecretsManager::Secret": security.create_secret,
    "AWS::SNS::Topic": messaging.create_topic,
    "AWS::SNS::TopicPolicy": messaging.create_topic_policy,
    "AWS::SNS::Subscription": messaging.create_subscription,
    "AWS::SQS::Queue": messaging.create_queue,
    "AWS::SQS::QueuePolicy": messaging.create_queue_policy,
    "AWS::DynamoDB::Table": storage.create_table,
    "AWS::S3::Bucket": storage.create_bucket,
    "AWS::S3::BucketPolicy": storage.create_bucket_policy,
    "AWS::CloudFront::OriginAccessControl": cdn.create_origin_access_control,
    "AWS::CloudFront::PublicKey": cdn.create_public_key,
    "AWS::CloudFront::KeyGroup": cdn.create_key_group,
    "AWS::CloudFront::Distribution": cdn.create_distribution,
    "AWS::CloudWatch::Alarm": monitoring.create_alarm,
    "AWS::CloudWatch::Dashboard": monitoring.create_dashboard,
    "AWS::IAM::Role": identity.create_role,
}
"""Every resource type the local provisioner can create."""

_logger = get_logger("circulion_local.provision")


@dataclass(frozen=True)
class ProvisionedStack:
    """What provisioning created.

    Attributes
    ----------
    resources
        Logical id -> physical id (what ``Ref`` returns: queue URL, topic ARN, table name...).
    outputs
        The template's ``Outputs``, resolved (``EventsTopicArn``, ``DistributionId``...).
    """

    resources: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)


def provision_stack(endpoint_url: str, template: Path, parameters: Mapping[str, str]) -> ProvisionedStack:
    """Create every resource of ``template`` at ``endpoint_url``; safe to run twice.

    Parameters
    ----------
    endpoint_url
        The emulator (``LocalPorts.endpoint_url``).
    template
        Path of a CloudFormation template (usually :data:`TEMPLATE_PATH`).
    parameters
        Template parameter values; parameters not given take their ``Default``.

    Raises
    ------
    ProvisioningError
        For an unknown resource type (named), an unsupported property or intrinsic, a
        missing parameter, or a reference that cannot be resolved.
    """
    parsed = load_template(template)
    _refuse_unknown_types(parsed)
    aws = AwsEndpoint(endpoint_url)
    resolver = Resolver(parsed, bind_parameters(parsed, parameters), _pseudo_parameters(aws))
    resources: dict[str, str] = {}
    for logical_id in creation_order(parsed):
        spec = parsed.resources[logical_id]
        if not resolver.condition(spec.condition):
            continue
        properties = resolver.resolve(dict(spec.properties))
        created = RESOURCE_TYPES[spec.type](aws, logical_id, properties)
        resolver.bind(logical_id, created.physical_id, created.attributes)
        resources[logical_id] = created.physical_id
    outputs = {
        name: str(resolver.resolve(output["Value"]))
        for name, output in parsed.outputs.items()
        if resolver.condition(output.get("Condition"))
    }
    _logger.info("provisioned", extra=fields(resources=len(resources), outputs=len(outputs), endpoint=endpoint_url))
    return ProvisionedStack(resources=resources, outputs=outputs)


def _refuse_unknown_types(template: Template) -> None:
    unknown = sorted(
        {f"{r.type} ({r.logical_id})" for r in template.resources.values() if r.type not in RESOURCE_TYPES}
    )
    if unknown:
        raise ProvisioningError(f"resource type(s) the local provisioner does not know: {', '.join(unknown)}")


def _pseudo_parameters(aws: AwsEndpoint) -> dict[str, str]:
    return {
        "AWS::AccountId": aws.account_id,
        "AWS::Region": aws.region,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": STACK_NAME,
        "AWS::StackId": f"arn:aws:cloudformation:{aws.region}:{aws.account_id}:stack/{STACK_NAME}/local",
        "AWS::NotificationARNs": "",
    }
