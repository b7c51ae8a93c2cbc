"""SQS messages shaped as Lambda's event source mapping sends them."""

from __future__ import annotations

import base64

from circulion_local.runtime.records import lambda_record, message_attribute, sqs_event

ARN = "arn:aws:sqs:us-east-1:123456789012:circulion-splitter"

RECEIVED = {
    "MessageId": "m-1",
    "ReceiptHandle": "rh-1",
    "MD5OfBody": "abc",
    "Body": '{"type": "recipe.validated"}',
    "Attributes": {
        "ApproximateReceiveCount": "2",
        "SentTimestamp": "1700000000000",
        "SenderId": "AIDA",
        "ApproximateFirstReceiveTimestamp": "1700000000001",
        "AWSTraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "VisibilityTimeout": "30",
    },
    "MessageAttributes": {"type": {"StringValue": "recipe.validated", "DataType": "String"}},
}


def test_record_has_exactly_lambdas_keys() -> None:
    record = lambda_record(RECEIVED, ARN, "us-east-1")
    assert set(record) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["messageId"] == "m-1"
    assert record["receiptHandle"] == "rh-1"
    assert record["md5OfBody"] == "abc"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == ARN
    assert record["awsRegion"] == "us-east-1"


def test_system_attributes_kept_including_trace_header_and_nothing_else() -> None:
    attributes = lambda_record(RECEIVED, ARN, "us-east-1")["attributes"]
    assert attributes["ApproximateReceiveCount"] == "2"
    assert attributes["AWSTraceHeader"].startswith("Root=1-5759e988")
    assert "VisibilityTimeout" not in attributes


def test_record_without_trace_header_has_none() -> None:
    received = {**RECEIVED, "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1"}}
    assert "AWSTraceHeader" not in lambda_record(received, ARN, "us-east-1")["attributes"]


def test_message_attributes_in_lambdas_lowercase_shape() -> None:
    assert lambda_record(RECEIVED, ARN, "us-east-1")["messageAttributes"] == {
        "type": {
            "stringValue": "recipe.validated",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        }
    }


def test_binary_attribute_is_base64() -> None:
    shaped = message_attribute({"BinaryValue": b"\x00\x01", "DataType": "Binary"})
    assert shaped["binaryValue"] == base64.b64encode(b"\x00\x01").decode()
    assert "stringValue" not in shaped


def test_event_keeps_order() -> None:
    second = {**RECEIVED, "MessageId": "m-2", "ReceiptHandle": "rh-2"}
    event = sqs_event([RECEIVED, second], ARN, "us-east-1")
    assert [r["messageId"] for r in event["Records"]] == ["m-1", "m-2"]
