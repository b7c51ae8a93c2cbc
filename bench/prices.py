"""AWS list prices the bill per recipe is computed with: one table, one date, one region.

us-east-1 on-demand list prices in USD as published on each service's pricing page (the
``source`` of every row) and read on ``PRICED_ON``; free tiers are left out on purpose (they
matter for a hobby account, not for what a recipe costs at scale). Update the table and the
date together; :mod:`bench.bill` is the only reader.
"""

from __future__ import annotations

from dataclasses import dataclass

PRICED_ON = "2026-12-01"
REGION = "us-east-1"


@dataclass(frozen=True)
class Price:
    """``usd`` for every ``per`` units of ``unit``."""

    usd: float
    per: int
    unit: str
    source: str

    def of(self, units: float) -> float:
        return units * self.usd / self.per


LAMBDA_REQUEST = Price(0.20, 1_000_000, "invocations", "https://aws.amazon.com/lambda/pricing/")
LAMBDA_GB_SECOND = Price(0.0000166667, 1, "GB-seconds (x86)", "https://aws.amazon.com/lambda/pricing/")
API_GATEWAY_REST = Price(3.50, 1_000_000, "REST API requests", "https://aws.amazon.com/api-gateway/pricing/")
S3_TIER1 = Price(0.005, 1_000, "PUT, COPY, POST, LIST requests", "https://aws.amazon.com/s3/pricing/")
S3_TIER2 = Price(0.0004, 1_000, "GET, HEAD and other requests", "https://aws.amazon.com/s3/pricing/")
SQS_REQUEST = Price(0.40, 1_000_000, "standard-queue requests (64 KiB each)", "https://aws.amazon.com/sqs/pricing/")
SNS_PUBLISH = Price(0.50, 1_000_000, "publishes (SQS deliveries free)", "https://aws.amazon.com/sns/pricing/")
DYNAMODB_WRITE = Price(
    0.625, 1_000_000, "on-demand write request units", "https://aws.amazon.com/dynamodb/pricing/on-demand/"
)
DYNAMODB_READ = Price(
    0.125, 1_000_000, "on-demand read request units", "https://aws.amazon.com/dynamodb/pricing/on-demand/"
)
CLOUDFRONT_INVALIDATION_PATH = Price(0.005, 1, "invalidation paths", "https://aws.amazon.com/cloudfront/pricing/")
XRAY_TRACE = Price(5.00, 1_000_000, "traces recorded", "https://aws.amazon.com/xray/pricing/")
LOGS_INGESTED = Price(0.50, 2**30, "bytes of CloudWatch Logs ingested", "https://aws.amazon.com/cloudwatch/pricing/")
SECRETS_API = Price(0.05, 10_000, "Secrets Manager API calls", "https://aws.amazon.com/secrets-manager/pricing/")

LAMBDA_DEFAULT_MEMORY_MB = 128
"""What Chalice deploys when a function's config names no ``lambda_memory_size`` (the API handler)."""
