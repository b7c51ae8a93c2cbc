"""The plan store's claim, against the fake and against S3 (in-process moto): one suite."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from chalicelib.plan_store import FanOutInProgress, PlanStore, S3PlanStore
from chalicelib.planning import plan_chunks
from tests.fakes import InMemoryPlanStore

PLAN = plan_chunks(100, "asset", chunk_size=30, direct_threshold=0, max_document_bytes=1)
OTHER = plan_chunks(100, "asset", chunk_size=50, direct_threshold=0, max_document_bytes=1)


@pytest.fixture(params=["memory", "s3"])
def store(request: pytest.FixtureRequest) -> Iterator[PlanStore]:
    if request.param == "memory":
        yield InMemoryPlanStore(lease_seconds=60)
        return
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="circulion-work")
        yield S3PlanStore(s3, "circulion-work", lease_seconds=60)


def test_the_first_claim_fans_out(store: PlanStore) -> None:
    assert store.claim("r", PLAN, 0).fan_out


def test_an_enqueued_plan_is_never_sent_again_and_stays_the_same(store: PlanStore) -> None:
    store.claim("r", PLAN, 0)
    store.mark_enqueued("r", PLAN, 1)
    claim = store.claim("r", OTHER, 10_000)
    assert not claim.fan_out and claim.plan == PLAN


def test_a_fresh_claim_blocks_and_an_expired_one_is_taken_over_with_the_stored_plan(store: PlanStore) -> None:
    store.claim("r", PLAN, 0)
    with pytest.raises(FanOutInProgress):
        store.claim("r", OTHER, 30)
    claim = store.claim("r", OTHER, 61)
    assert claim.fan_out and claim.plan == PLAN
    with pytest.raises(FanOutInProgress):
        store.claim("r", PLAN, 62)  # the takeover renewed the lease
