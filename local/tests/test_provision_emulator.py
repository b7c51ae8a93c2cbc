"""Functional tests: the whole template provisioned into a real moto server.

The server runs on free ports (:func:`~circulion_local.free_ports.free_ports`), so these
tests never collide with a developer's running stack or another test run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest
from botocore.config import Config

from circulion_local.clients import local_client
from circulion_local.emulator.process import Emulator, EmulatorError, start_emulator
from circulion_local.free_ports import free_ports
from circulion_local.provision import TEMPLATE_PATH, ProvisionedStack, provision_stack
from circulion_local.signing_keys import ensure_cdn_signing_key, provisioning_parameters

EVENTS_FILTERS = {
    "circulion-upload-status": [
        "recipe.validated",
        "recipe.rejected",
        "recipe.split",
        "chunk.processed",
        "recipe.merge_started",
        "recipe.merged",
        "recipe.failed",
        "recipe.distributed",
        "recipe.withdrawal_requested",
        "recipe.restore_requested",
        "recipe.withdrawn",
        "recipe.restored",
    ],
    "circulion-splitter": ["recipe.validated"],
    "circulion-merger": ["recipe.split", "chunk.processed"],
    "circulion-distributor": ["recipe.merged", "recipe.withdrawal_requested", "recipe.restore_requested"],
}
QUEUES = ["circulion-upload-validate", "circulion-splitter-work", *EVENTS_FILTERS]


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    ports = free_ports()
    with start_emulator(ports, tmp_path_factory.mktemp("emulator") / "moto.log") as running:
        yield running


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="module")
def parameters(emulator: Emulator, state_dir: Path) -> dict[str, str]:
    return provisioning_parameters(emulator.ports, state_dir)


@pytest.fixture(scope="module")
def stack(emulator: Emulator, parameters: dict[str, str]) -> ProvisionedStack:
    return provision_stack(emulator.endpoint_url, TEMPLATE_PATH, parameters)


def client(emulator: Emulator, service: str) -> Any:
    return local_client(emulator.ports, service, Config(s3={"addressing_style": "path"}))


def test_second_emulator_on_the_same_port_is_refused(emulator: Emulator, tmp_path: Path) -> None:
    with pytest.raises(EmulatorError, match="already answers"):
        start_emulator(emulator.ports, tmp_path / "second.log")
    assert emulator.running()


def test_queues_have_dlqs_redrive_and_the_local_visibility(
    emulator: Emulator, stack: ProvisionedStack, parameters: dict[str, str]
) -> None:
    sqs = client(emulator, "sqs")
    for name in QUEUES:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(f":{name}-dlq")
        assert int(redrive["maxReceiveCount"]) == 4
        sqs.get_queue_url(QueueName=f"{name}-dlq")
    work = sqs.get_queue_url(QueueName="circulion-splitter-work")["QueueUrl"]
    visibility = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert visibility["VisibilityTimeout"] == parameters["SplitterWorkVisibilityTimeout"] == "125"


def test_subscriptions_are_raw_and_filtered_on_type(emulator: Emulator, stack: ProvisionedStack) -> None:
    sns = client(emulator, "sns")
    events = sns.list_subscriptions_by_topic(TopicArn=stack.outputs["EventsTopicArn"])["Subscriptions"]
    by_queue = {s["Endpoint"].rsplit(":", 1)[1]: s["SubscriptionArn"] for s in events}
    assert set(by_queue) == set(EVENTS_FILTERS)
    for queue, types in EVENTS_FILTERS.items():
        attributes = sns.get_subscription_attributes(SubscriptionArn=by_queue[queue])["Attributes"]
        assert attributes["RawMessageDelivery"] == "true"
        assert json.loads(attributes["FilterPolicy"]) == {"type": types}
    uploads = sns.list_subscriptions_by_topic(TopicArn=stack.outputs["UploadsTopicArn"])["Subscriptions"]
    assert [s["Endpoint"].rsplit(":", 1)[1] for s in uploads] == ["circulion-upload-validate"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=uploads[0]["SubscriptionArn"])["Attributes"]
    assert attributes["RawMessageDelivery"] == "true"
    assert "FilterPolicy" not in attributes


def test_tables_keys_gsi_and_ttl(emulator: Emulator, stack: ProvisionedStack) -> None:
    dynamodb = client(emulator, "dynamodb")
    for name in ("circulion-recipes", "circulion-ledger", "circulion-distribution"):
        table = dynamodb.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ]
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    recipes = dynamodb.describe_table(TableName="circulion-recipes")["Table"]
    (gsi,) = recipes["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "gsi1"
    assert [k["AttributeName"] for k in gsi["KeySchema"]] == ["gsi1pk", "gsi1sk"]
    assert gsi["Projection"]["ProjectionType"] == "ALL"


def test_buckets_versioning_encryption_lifecycle(emulator: Emulator, stack: ProvisionedStack) -> None:
    s3 = client(emulator, "s3")
    assert s3.get_bucket_versioning(Bucket="circulion-uploads")["Status"] == "Enabled"
    assert s3.get_bucket_versioning(Bucket="circulion-artifacts")["Status"] == "Enabled"
    assert "Status" not in s3.get_bucket_versioning(Bucket="circulion-work")
    (rule,) = s3.get_bucket_encryption(Bucket="circulion-uploads")["ServerSideEncryptionConfiguration"]["Rules"]
    default = rule["ApplyServerSideEncryptionByDefault"]
    assert (default["SSEAlgorithm"], default["KMSMasterKeyID"]) == ("aws:kms", stack.outputs["DataKeyArn"])
    (abort,) = s3.get_bucket_lifecycle_configuration(Bucket="circulion-uploads")["Rules"]
    assert abort["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    work_rules = s3.get_bucket_lifecycle_configuration(Bucket="circulion-work")["Rules"]
    assert work_rules[0]["Expiration"] == {"Days": 7}


def test_uploads_under_incoming_notify_the_validate_queue_only(emulator: Emulator, stack: ProvisionedStack) -> None:
    s3, sqs = client(emulator, "s3"), client(emulator, "sqs")
    (topic,) = s3.get_bucket_notification_configuration(Bucket="circulion-uploads")["TopicConfigurations"]
    assert topic["TopicArn"] == stack.outputs["UploadsTopicArn"]
    assert topic["Filter"]["Key"]["FilterRules"][0]["Value"] == "incoming/"
    s3.put_object(Bucket="circulion-uploads", Key="elsewhere/t1/r1", Body=b"x")
    s3.put_object(Bucket="circulion-uploads", Key="incoming/t1/r1", Body=b"{}")
    url = stack.outputs["UploadValidateQueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])
    records = [record for m in messages for record in json.loads(m["Body"]).get("Records", [])]
    # Keys arrive URL-encoded (the emulator even encodes the slashes): consumers unquote_plus.
    assert [unquote_plus(r["s3"]["object"]["key"]) for r in records] == ["incoming/t1/r1"]
    assert records[0]["eventName"].startswith("ObjectCreated")


def test_events_reach_exactly_the_subscribed_queues(emulator: Emulator, stack: ProvisionedStack) -> None:
    sns, sqs = client(emulator, "sns"), client(emulator, "sqs")
    urls = {name: sqs.get_queue_url(QueueName=name)["QueueUrl"] for name in EVENTS_FILTERS}
    for event_type in ("recipe.merged", "recipe.validated", "chunk.process"):
        sns.publish(
            TopicArn=stack.outputs["EventsTopicArn"],
            Message=json.dumps({"type": event_type}),
            MessageAttributes={"type": {"DataType": "String", "StringValue": event_type}},
        )
        reached = set()
        for name, url in urls.items():
            for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                assert json.loads(message["Body"]) == {"type": event_type}  # raw delivery: no SNS wrapper
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                reached.add(name)
        assert reached == {name for name, types in EVENTS_FILTERS.items() if event_type in types}


def test_cdn_distribution_key_group_and_secret(emulator: Emulator, stack: ProvisionedStack, state_dir: Path) -> None:
    cloudfront, secrets = client(emulator, "cloudfront"), client(emulator, "secretsmanager")
    keys = ensure_cdn_signing_key(state_dir)
    config = cloudfront.get_distribution(Id=stack.outputs["DistributionId"])["Distribution"]["DistributionConfig"]
    (origin,) = config["Origins"]["Items"]
    assert origin["DomainName"] == "circulion-artifacts.s3.us-east-1.amazonaws.com"
    # moto keeps no OriginAccessControlId on origins (emulator gap): check the control itself.
    oac_id = stack.resources["ArtifactsOriginAccessControl"]
    oac = cloudfront.get_origin_access_control(Id=oac_id)["OriginAccessControl"]["OriginAccessControlConfig"]
    assert (oac["Name"], oac["SigningBehavior"]) == ("circulion-artifacts", "always")
    (group_id,) = config["DefaultCacheBehavior"]["TrustedKeyGroups"]["Items"]
    group = cloudfront.get_key_group(Id=group_id)["KeyGroup"]["KeyGroupConfig"]
    assert group["Items"] == [stack.outputs["KeyPairId"]]
    public_key = cloudfront.get_public_key(Id=stack.outputs["KeyPairId"])["PublicKey"]["PublicKeyConfig"]
    assert public_key["EncodedKey"].strip() == keys.public_key_pem.strip()
    secret = json.loads(secrets.get_secret_value(SecretId="circulion/cdn-signing-key")["SecretString"])
    assert secret == {"key_pair_id": stack.outputs["KeyPairId"], "private_key_pem": keys.private_key_pem}
    assert stack.outputs["DistributionDomainName"].endswith(".cloudfront.net")


def test_provisioning_twice_converges(emulator: Emulator, stack: ProvisionedStack, parameters: dict[str, str]) -> None:
    again = provision_stack(emulator.endpoint_url, TEMPLATE_PATH, parameters)
    assert again == stack
    sns, kms, cloudfront = client(emulator, "sns"), client(emulator, "kms"), client(emulator, "cloudfront")
    assert len(sns.list_subscriptions()["Subscriptions"]) == 5
    assert len(kms.list_keys()["Keys"]) == 1
    assert len(cloudfront.list_distributions()["DistributionList"]["Items"]) == 1
    # No second s3:TestEvent either: the notification did not change, so it was not re-put.
    sqs = client(emulator, "sqs")
    time.sleep(0.5)  # not an assertion on time: lets a (wrongly) sent event arrive
    leftover = sqs.receive_message(QueueUrl=stack.outputs["UploadValidateQueueUrl"], MaxNumberOfMessages=10)
    assert "Messages" not in leftover


def test_stop_ends_the_server_and_frees_the_port(tmp_path: Path) -> None:
    ports = free_ports()
    started = start_emulator(ports, tmp_path / "moto.log")
    assert started.running()
    started.stop()
    started.stop()  # idempotent
    assert not started.running()
    # The port is free again: a new emulator can take it.
    with start_emulator(ports, tmp_path / "again.log") as again:
        assert again.running()
