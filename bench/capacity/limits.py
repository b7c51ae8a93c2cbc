"""The AWS limits the model checks demand against: value, whether it can be raised, and
where it is written down. Every figure here is quoted from the page in ``source`` (as read
in December 2026); nothing is estimated. Region-dependent quotas are keyed by Region.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """One quota or hard limit."""

    name: str
    value: float
    unit: str
    raisable: str
    """``yes`` (Service Quotas / support case), ``no`` (hard), or how."""
    source: str


LAMBDA_QUOTAS = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
LAMBDA_SCALING_CONFIG = "https://docs.aws.amazon.com/lambda/latest/dg/API_ScalingConfig.html"
APIGW_QUOTAS = "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"
SQS_QUEUE_QUOTAS = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html"
SNS_QUOTAS = "https://docs.aws.amazon.com/general/latest/gr/sns.html"
DYNAMODB_QUOTAS = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html"
DYNAMODB_WARM = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html"
S3_PERFORMANCE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html"
S3_MULTIPART = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html"
CLOUDFRONT_QUOTAS = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html"
CLOUDFRONT_INVALIDATIONS = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/InvalidationLimits.html"
XRAY_QUOTAS = "https://docs.aws.amazon.com/general/latest/gr/xray.html"
XRAY_TRACE_SIZE = "https://repost.aws/knowledge-center/x-ray-trace-quota-error"

LAMBDA_ACCOUNT_CONCURRENCY = Limit(
    "Lambda concurrent executions per account and Region", 1_000, "executions", "yes (tens of thousands)", LAMBDA_QUOTAS
)
SQS_ESM_MAX_CONCURRENCY = Limit(
    "SQS event source MaximumConcurrency (range 2-1,000)", 1_000, "invocations", "no", LAMBDA_SCALING_CONFIG
)
LAMBDA_VCPU_MEMORY_MB = 1_769
"""At 1,769 MB a function has one vCPU of CPU, below proportionally less:
https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html"""

APIGW_ACCOUNT_RPS = {
    "default": Limit("API Gateway throttle per account and Region", 10_000, "requests/s", "yes", APIGW_QUOTAS),
    "small": Limit("API Gateway throttle per account (smaller Regions)", 2_500, "requests/s", "yes", APIGW_QUOTAS),
}
APIGW_SMALL_REGIONS = frozenset(
    {"af-south-1", "eu-south-1", "ap-southeast-3", "me-central-1", "ap-south-2", "ap-southeast-4", "eu-south-2"}
    | {"eu-central-2", "il-central-1", "ca-west-1", "ap-southeast-5", "ap-southeast-7", "mx-central-1"}
)
APIGW_BURST = Limit(
    "API Gateway burst (token bucket)", 5_000, "requests", "no (set by AWS from the RPS quota)", APIGW_QUOTAS
)

SQS_IN_FLIGHT = Limit(
    "SQS in-flight messages per standard queue", 120_000, "messages", "yes (support)", SQS_QUEUE_QUOTAS
)

SNS_PUBLISH = {
    "us-east-1": Limit("SNS Publish per account (us-east-1)", 30_000, "messages/s", "yes", SNS_QUOTAS),
    "us-west-2": Limit("SNS Publish per account (us-west-2, eu-west-1)", 9_000, "messages/s", "yes", SNS_QUOTAS),
    "eu-west-1": Limit("SNS Publish per account (us-west-2, eu-west-1)", 9_000, "messages/s", "yes", SNS_QUOTAS),
    "tier3": Limit(
        "SNS Publish per account (us-east-2, us-west-1, eu-central-1, ap-*)", 1_500, "messages/s", "yes", SNS_QUOTAS
    ),
    "other": Limit("SNS Publish per account (all other Regions)", 300, "messages/s", "yes", SNS_QUOTAS),
}
SNS_TIER3 = frozenset(
    {"us-east-2", "us-west-1", "ap-south-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1"}
    | {"eu-central-1"}
)

DYNAMODB_PARTITION_WCU = Limit("DynamoDB writes per partition (one key)", 1_000, "WRU/s", "no", DYNAMODB_WARM)
DYNAMODB_TABLE_ON_DEMAND = Limit(
    "DynamoDB on-demand table throughput (per table)", 40_000, "WRU/s", "yes", DYNAMODB_QUOTAS
)
DYNAMODB_NEW_TABLE_WARM_WRITES = Limit(
    "DynamoDB new on-demand table warm throughput (writes)", 4_000, "WRU/s", "yes (WarmThroughput)", DYNAMODB_WARM
)
DYNAMODB_ITEM_SIZE = Limit("DynamoDB item size", 400 * 1024, "bytes", "no", DYNAMODB_QUOTAS)

S3_PREFIX_GET = Limit(
    "S3 GET/HEAD per partitioned prefix", 5_500, "requests/s", "auto-scales (503 SlowDown meanwhile)", S3_PERFORMANCE
)
S3_PREFIX_PUT = Limit(
    "S3 PUT/COPY/POST/DELETE per partitioned prefix",
    3_500,
    "requests/s",
    "auto-scales (503 SlowDown meanwhile)",
    S3_PERFORMANCE,
)
S3_MAX_PARTS = Limit("S3 parts per multipart upload", 10_000, "parts", "no", S3_MULTIPART)

CLOUDFRONT_RPS = Limit(
    "CloudFront requests per second per distribution", 250_000, "requests/s", "yes", CLOUDFRONT_QUOTAS
)
CLOUDFRONT_URL_LENGTH = Limit("CloudFront maximum URL length", 8_192, "bytes", "no", CLOUDFRONT_QUOTAS)
CLOUDFRONT_PATHS_IN_PROGRESS = Limit(
    "CloudFront invalidation paths in progress per distribution", 3_000, "paths", "no", CLOUDFRONT_INVALIDATIONS
)

# The one figure not read off its page here (the quotas table did not come through); it is
# the value the X-Ray quotas page has long given and others quote: check it before relying on it.
XRAY_SEGMENTS = Limit("X-Ray PutTraceSegments segments per second per Region", 2_600, "segments/s", "yes", XRAY_QUOTAS)
XRAY_TRACE_DOCUMENT = Limit("X-Ray trace document size (batched segments)", 500 * 1024, "bytes", "no", XRAY_TRACE_SIZE)


def sns_publish(region: str) -> Limit:
    """The SNS Publish quota of ``region`` (the quota page's Region tiers)."""
    if region in SNS_PUBLISH:
        return SNS_PUBLISH[region]
    return SNS_PUBLISH["tier3"] if region in SNS_TIER3 else SNS_PUBLISH["other"]


def api_gateway_rps(region: str) -> Limit:
    """API Gateway's account throttle in ``region`` (2,500 RPS in the Regions the page lists)."""
    return APIGW_ACCOUNT_RPS["small" if region in APIGW_SMALL_REGIONS else "default"]
