"""The emulator's CreateInvalidation honours CallerReference as CloudFront does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from circulion_local.emulator.caller_references import honour_caller_references


@pytest.fixture
def cloudfront(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    honour_caller_references()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("cloudfront", region_name="us-east-1")
        origin = {
            "Id": "o",
            "DomainName": "circulion-artifacts.s3.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""},
        }
        config = {
            "CallerReference": "dist",
            "Comment": "",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"},
        }
        distribution = client.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
        yield client, distribution


def _invalidate(client: Any, distribution: str, paths: list[str], reference: str) -> str:
    batch = {"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": reference}
    return str(client.create_invalidation(DistributionId=distribution, InvalidationBatch=batch)["Invalidation"]["Id"])


def test_a_repeated_reference_returns_the_invalidation_already_made(cloudfront: tuple[Any, str]) -> None:
    client, distribution = cloudfront
    first = _invalidate(client, distribution, ["/a/latest.json", "/b/latest.json"], "ref-1")
    again = _invalidate(client, distribution, ["/b/latest.json", "/a/latest.json"], "ref-1")
    other = _invalidate(client, distribution, ["/a/latest.json"], "ref-2")

    assert again == first and other != first
    listed = client.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert listed["Quantity"] == 2


def test_a_repeated_reference_with_other_paths_is_refused(cloudfront: tuple[Any, str]) -> None:
    client, distribution = cloudfront
    _invalidate(client, distribution, ["/a/latest.json"], "ref-1")
    with pytest.raises(ClientError) as refused:
        _invalidate(client, distribution, ["/c/latest.json"], "ref-1")
    assert refused.value.response["Error"]["Code"] == "InvalidationBatchAlreadyExists"
