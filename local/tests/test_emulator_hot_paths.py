"""The emulator's hot-path patches keep moto's answers: transactions roll back exactly the
items they touched, queues still count their messages, the clock still tells the time,
and the request tally names each call."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core import utils as moto_utils
from moto_servers import local_client, moto_server

from circulion.testing.tables import create_keyed_table
from circulion_local.emulator.hot_paths import remove_hot_path_costs
from circulion_local.emulator.queries import read_only_the_partition
from circulion_local.emulator.serialised import serialise_dynamodb
from circulion_local.emulator.tally import operation_of
from circulion_local.emulator.transactions import snapshot_items_not_tables

TABLE = "hot-path-ledger"


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[str, Any]]:
    serialise_dynamodb()
    snapshot_items_not_tables()
    read_only_the_partition()
    remove_hot_path_costs()
    with moto_server() as ports:
        dynamodb = local_client(ports, "dynamodb")
        create_keyed_table(dynamodb, TABLE)
        yield {"dynamodb": dynamodb, "sqs": local_client(ports, "sqs")}


def _key(sk: str) -> dict[str, Any]:
    return {"pk": {"S": "job"}, "sk": {"S": sk}}


def _add_one_to_job() -> dict[str, Any]:
    update = {"ExpressionAttributeValues": {":one": {"N": "1"}}, "UpdateExpression": "ADD done :one"}
    return {"Update": {"TableName": TABLE, "Key": _key("job"), **update}}


def _items(dynamodb: Any) -> dict[str, dict[str, Any]]:
    found = dynamodb.query(
        TableName=TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "job"}}
    )["Items"]
    return {item["sk"]["S"]: item for item in found}


def test_cancelled_transaction_restores_every_item_it_touched(clients: dict[str, Any]) -> None:
    dynamodb = clients["dynamodb"]
    dynamodb.put_item(TableName=TABLE, Item={**_key("job"), "done": {"N": "1"}})
    dynamodb.put_item(TableName=TABLE, Item={**_key("chunk#0"), "at": {"S": "t0"}})
    before = _items(dynamodb)
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(
            TransactItems=[
                _add_one_to_job(),
                {"Put": {"TableName": TABLE, "Item": {**_key("chunk#1"), "at": {"S": "t1"}}}},
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": {**_key("chunk#0"), "at": {"S": "again"}},
                        "ConditionExpression": "attribute_not_exists(sk)",
                    }
                },
            ]
        )
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _items(dynamodb) == before  # the ADD undone, the new marker gone, the old one kept


def test_committed_transaction_keeps_its_writes_and_the_others(clients: dict[str, Any]) -> None:
    dynamodb = clients["dynamodb"]
    dynamodb.put_item(TableName=TABLE, Item={**_key("other"), "v": {"S": "untouched"}})
    dynamodb.transact_write_items(
        TransactItems=[
            _add_one_to_job(),
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {**_key("chunk#2"), "at": {"S": "t2"}},
                    "ConditionExpression": "attribute_not_exists(sk)",
                }
            },
        ]
    )
    items = _items(dynamodb)
    assert items["job"]["done"] == {"N": "2"}
    assert items["chunk#2"]["at"] == {"S": "t2"}
    assert items["other"]["v"] == {"S": "untouched"}


def test_queues_still_count_their_messages(clients: dict[str, Any]) -> None:
    sqs = clients["sqs"]
    url = sqs.create_queue(QueueName="hot-path-counts")["QueueUrl"]
    for body in ("a", "b", "c"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=60)
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "2"
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_the_clock_reads_the_time() -> None:
    remove_hot_path_costs()
    assert abs(moto_utils.unix_time() - time.time()) < 1
    assert abs(moto_utils.unix_time_millis() / 1000 - time.time()) < 1
    assert moto_utils.unix_time(moto_utils.utcfromtimestamp(86400)) == 86400.0


def _environ(**headers: Any) -> dict[str, Any]:
    return {"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(b""), **headers}


@pytest.mark.parametrize(
    ("environ", "operation"),
    [
        (
            _environ(
                HTTP_AUTHORIZATION="AWS4-HMAC-SHA256 Credential=k/20261122/us-east-1/dynamodb/aws4_request, "
                "SignedHeaders=host",
                HTTP_X_AMZ_TARGET="DynamoDB_20120810.GetItem",
            ),
            "dynamodb GetItem",
        ),
        (
            _environ(
                HTTP_AUTHORIZATION="AWS4-HMAC-SHA256 Credential=k/20261122/us-east-1/s3/aws4_request",
                REQUEST_METHOD="PUT",
                QUERY_STRING="partNumber=3&uploadId=x",
            ),
            "s3 PUT?partNumber",
        ),
        (_environ(REQUEST_METHOD="GET"), "unsigned GET"),
    ],
)
def test_tally_names_each_request(environ: dict[str, Any], operation: str) -> None:
    assert operation_of(environ) == operation


def test_tally_counts_an_observers_requests_apart() -> None:
    sqs = "AWS4-HMAC-SHA256 Credential=k/20261122/us-east-1/sqs/aws4_request"
    agent = "Boto3/1.44.5 md/Botocore#1.44.5 cfg/retry-mode#standard app/circulion-observer Botocore/1.44.5"
    observed = _environ(HTTP_AUTHORIZATION=sqs, HTTP_X_AMZ_TARGET="AmazonSQS.ReceiveMessage", HTTP_USER_AGENT=agent)
    assert operation_of(observed) == "observer sqs ReceiveMessage"
    another = _environ(
        HTTP_AUTHORIZATION=sqs,
        HTTP_X_AMZ_TARGET="AmazonSQS.ReceiveMessage",
        HTTP_USER_AGENT=agent.replace("observer", "observers"),
    )
    assert operation_of(another) == "sqs ReceiveMessage"


def test_tally_reads_a_form_action_and_leaves_the_body_readable() -> None:
    body = b"Action=Publish&TopicArn=arn"
    environ = _environ(
        HTTP_AUTHORIZATION="AWS4-HMAC-SHA256 Credential=k/20261122/us-east-1/sns/aws4_request",
        CONTENT_TYPE="application/x-www-form-urlencoded; charset=utf-8",
        CONTENT_LENGTH=str(len(body)),
        **{"wsgi.input": io.BytesIO(body)},
    )
    assert operation_of(environ) == "sns Publish"
    assert environ["wsgi.input"].read() == body


def test_a_key_query_pages_through_its_partition_only(clients: dict[str, Any]) -> None:
    dynamodb = clients["dynamodb"]
    for partition in ("q-a", "q-b"):
        for n in range(7):
            dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": partition}, "sk": {"S": f"m#{n:02d}"}})
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "q-a"}, "sk": {"S": "job"}})

    def page(**extra: Any) -> dict[str, Any]:
        return dict(
            dynamodb.query(
                TableName=TABLE,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :m)",
                ExpressionAttributeValues={":pk": {"S": "q-a"}, ":m": {"S": "m#"}},
                Limit=3,
                **extra,
            )
        )

    seen, extra = [], {}
    while True:
        response = page(**extra)
        seen += [item["sk"]["S"] for item in response["Items"]]
        if "LastEvaluatedKey" not in response:
            break
        extra = {"ExclusiveStartKey": response["LastEvaluatedKey"]}
    assert seen == [f"m#{n:02d}" for n in range(7)]
    newest = page(ScanIndexForward=False)["Items"]
    assert [item["sk"]["S"] for item in newest] == ["m#06", "m#05", "m#04"]
    empty = dynamodb.query(
        TableName=TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "q-none"}}
    )
    assert empty["Items"] == []


def test_the_method_names_of_a_handler_are_moto_s_own_and_listed_once() -> None:
    from moto.core import responses
    from moto.dynamodb.responses import DynamoHandler
    from moto.sqs.responses import SQSResponse

    from circulion_local.emulator import patches

    remove_hot_path_costs()
    moto_s_own = patches.original(responses, "method_names_from_class")
    for handler in (DynamoHandler, SQSResponse):
        names = responses.method_names_from_class(handler)
        assert names == moto_s_own(handler)
        assert "get_item" in names or "receive_message" in names
        assert responses.method_names_from_class(handler) is names
