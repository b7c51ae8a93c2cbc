"""Unit tests (no I/O) of the template loader, intrinsic functions and refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from circulion_local.cfn.base import AwsEndpoint
from circulion_local.cfn.cdn import distribution_config
from circulion_local.cfn.intrinsics import NO_VALUE, Resolver, bind_parameters, creation_order, references
from circulion_local.cfn.messaging import create_queue
from circulion_local.cfn.template import load_template, parse_template
from circulion_local.provision import RESOURCE_TYPES, TEMPLATE_PATH, ProvisioningError, provision_stack

PSEUDO = {"AWS::Region": "eu-west-1", "AWS::AccountId": "111122223333", "AWS::Partition": "aws", "AWS::StackName": "s"}

TEMPLATE = """
Parameters:
  Env:
    Type: String
    Default: local
  Timeout:
    Type: Number
    Default: 30
    MinValue: 1
    MaxValue: 100
Conditions:
  IsLocal: !Equals [!Ref Env, local]
Resources:
  Dlq:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-dlq"
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Join ["-", [!Ref Env, queue]]
      VisibilityTimeout: !Ref Timeout
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
        maxReceiveCount: !If [IsLocal, 2, 4]
  Topic:
    Type: AWS::SNS::Topic
    DependsOn: Queue
    Properties:
      TopicName: !Select [1, !Split [",", "a,b,c"]]
"""


def test_short_tags_become_the_long_form() -> None:
    template = parse_template(TEMPLATE)
    queue = template.resources["Queue"].properties
    assert queue["VisibilityTimeout"] == {"Ref": "Timeout"}
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["Dlq", "Arn"]}
    assert queue["RedrivePolicy"]["maxReceiveCount"] == {"Fn::If": ["IsLocal", 2, 4]}
    assert template.conditions["IsLocal"] == {"Fn::Equals": [{"Ref": "Env"}, "local"]}
    assert template.resources["Topic"].depends_on == ("Queue",)


def test_resolves_refs_getatt_sub_join_if_select_split() -> None:
    template = parse_template(TEMPLATE)
    resolver = Resolver(template, bind_parameters(template, {}), PSEUDO)
    assert resolver.resolve(template.resources["Dlq"].properties) == {"QueueName": "s-dlq"}
    resolver.bind("Dlq", "https://q/s-dlq", {"Arn": "arn:aws:sqs:eu-west-1:111122223333:s-dlq"})
    assert resolver.resolve(template.resources["Queue"].properties) == {
        "QueueName": "local-queue",
        "VisibilityTimeout": "30",
        "RedrivePolicy": {"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:111122223333:s-dlq", "maxReceiveCount": 2},
    }
    assert resolver.resolve(template.resources["Topic"].properties) == {"TopicName": "b"}


def test_condition_follows_parameters() -> None:
    template = parse_template(TEMPLATE)
    resolver = Resolver(template, bind_parameters(template, {"Env": "prod"}), PSEUDO)
    assert resolver.resolve({"Fn::If": ["IsLocal", 2, 4]}) == 4


def test_sub_with_variables_attributes_and_literals() -> None:
    template = parse_template(TEMPLATE)
    resolver = Resolver(template, bind_parameters(template, {}), PSEUDO)
    resolver.bind("Dlq", "url", {"Arn": "arn:dlq"})
    text = {"Fn::Sub": ["${Name}/${Dlq.Arn}/${AWS::Region}/${!Literal}", {"Name": {"Ref": "Env"}}]}
    assert resolver.resolve(text) == "local/arn:dlq/eu-west-1/${Literal}"


def test_no_value_drops_keys_and_items() -> None:
    template = parse_template(TEMPLATE)
    resolver = Resolver(template, bind_parameters(template, {}), PSEUDO)
    assert resolver.resolve({"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}]}) == {"B": [1]}
    assert resolver.ref("AWS::NoValue") is NO_VALUE


def test_to_json_string_is_compact_json() -> None:
    # The signing-key secret: a PEM's newlines must end up escaped inside valid JSON.
    template = parse_template(
        TEMPLATE + '  Secret:\n    Type: T\n    Properties:\n      V: !ToJsonString {a: !Ref Env, pem: "l1\\nl2"}\n'
    )
    resolver = Resolver(template, bind_parameters(template, {}), PSEUDO)
    value = resolver.resolve(template.resources["Secret"].properties)["V"]
    assert json.loads(value) == {"a": "local", "pem": "l1\nl2"}
    assert value == '{"a":"local","pem":"l1\\nl2"}'


def test_getatt_of_an_unknown_attribute_names_it() -> None:
    template = parse_template(TEMPLATE)
    resolver = Resolver(template, {}, PSEUDO)
    resolver.bind("Dlq", "url", {"Arn": "arn"})
    with pytest.raises(ProvisioningError, match=r"Dlq\.Nope"):
        resolver.resolve({"Fn::GetAtt": ["Dlq", "Nope"]})


def test_unsupported_intrinsic_is_an_error() -> None:
    resolver = Resolver(parse_template(TEMPLATE), {}, PSEUDO)
    with pytest.raises(ProvisioningError, match="Fn::ImportValue"):
        resolver.resolve({"Fn::ImportValue": "other-stack-Export"})


def test_creation_order_puts_references_and_depends_on_first() -> None:
    order = creation_order(parse_template(TEMPLATE))
    assert order.index("Dlq") < order.index("Queue") < order.index("Topic")


def test_references_read_sub_strings() -> None:
    assert references({"Fn::Sub": "${A.Arn}-${B}-${!C}"}) == {"A", "B"}
    assert references({"Fn::Sub": ["${X}-${Y}", {"X": {"Ref": "Z"}}]}) == {"Y", "Z"}


def test_cycle_and_unknown_reference_are_errors() -> None:
    cyclic = "Resources:\n  A: {Type: T, Properties: {P: !Ref B}}\n  B: {Type: T, Properties: {P: !GetAtt A.Arn}}\n"
    with pytest.raises(ProvisioningError, match="cycle"):
        creation_order(parse_template(cyclic))
    dangling = "Resources:\n  A: {Type: T, Properties: {P: !Ref Missing}}\n"
    with pytest.raises(ProvisioningError, match="Missing"):
        creation_order(parse_template(dangling))


def test_parameters_defaults_typos_and_ranges() -> None:
    template = parse_template(TEMPLATE)
    assert bind_parameters(template, {"Timeout": "5"}) == {"Env": "local", "Timeout": "5"}
    with pytest.raises(ProvisioningError, match="Timeuot"):
        bind_parameters(template, {"Timeuot": "5"})
    with pytest.raises(ProvisioningError, match="MaxValue"):
        bind_parameters(template, {"Timeout": "500"})
    with pytest.raises(ProvisioningError, match="number"):
        bind_parameters(template, {"Timeout": "soon"})
    required = parse_template("Parameters:\n  Key: {Type: String}\nResources: {}\n")
    with pytest.raises(ProvisioningError, match="Key has no value"):
        bind_parameters(required, {})


def test_unknown_transform_is_refused() -> None:
    with pytest.raises(ProvisioningError, match="AWS::Serverless"):
        parse_template("Transform: AWS::Serverless-2016-10-31\nResources: {}\n")


def test_unknown_resource_type_is_named_before_anything_is_created(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Resources:\n"
        "  Queue: {Type: AWS::SQS::Queue, Properties: {QueueName: q}}\n"
        "  Fn: {Type: AWS::Lambda::Function, Properties: {}}\n"
    )
    # Nothing listens on this endpoint: the error must come before any API call.
    with pytest.raises(ProvisioningError, match=r"AWS::Lambda::Function \(Fn\)"):
        provision_stack("http://127.0.0.1:9", template, {})


def test_unsupported_property_is_refused_not_dropped() -> None:
    aws = AwsEndpoint("http://127.0.0.1:9")
    with pytest.raises(ProvisioningError, match="FifoQueue"):
        create_queue(aws, "Queue", {"QueueName": "q", "FifoQueue": True})


def test_every_type_of_the_real_template_is_known() -> None:
    template = load_template(TEMPLATE_PATH)
    assert {r.type for r in template.resources.values()} <= set(RESOURCE_TYPES)
    assert len(creation_order(template)) == len(template.resources)


def test_distribution_config_takes_the_api_shape() -> None:
    config = distribution_config(
        "Cdn",
        {
            "Comment": "c",
            "Enabled": True,
            "Origins": [{"Id": "o", "DomainName": "b.s3.amazonaws.com", "OriginAccessControlId": "OAC"}],
            "DefaultCacheBehavior": {
                "TargetOriginId": "o",
                "ViewerProtocolPolicy": "https-only",
                "AllowedMethods": ["GET", "HEAD"],
                "TrustedKeyGroups": ["KG"],
            },
        },
        "ref",
    )
    assert config["CallerReference"] == "ref"
    assert config["Origins"] == {
        "Quantity": 1,
        "Items": [
            {
                "Id": "o",
                "DomainName": "b.s3.amazonaws.com",
                "OriginAccessControlId": "OAC",
                "S3OriginConfig": {"OriginAccessIdentity": ""},
            }
        ],
    }
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["TrustedKeyGroups"] == {"Enabled": True, "Quantity": 1, "Items": ["KG"]}
    assert behaviour["AllowedMethods"]["CachedMethods"] == {"Quantity": 2, "Items": ["GET", "HEAD"]}
    with pytest.raises(ProvisioningError, match="CacheBehaviors"):
        distribution_config("Cdn", {"Origins": [], "DefaultCacheBehavior": {}, "CacheBehaviors": []}, "ref")
