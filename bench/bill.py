"""The AWS bill per recipe, from what a benchmark scenario measured.

Every figure comes from the run: the emulator's requests by operation (its tally), each
function's billed duration and invocations (the ``REPORT`` lines Lambda's runtime writes,
here the local runtime's), the bytes the functions logged, and the API calls the clients
made. They are priced with :mod:`bench.prices` at each function's configured memory
(``.chalice/config.json``, prod stage). What the emulator cannot tell is an assumption,
named where it is made: a transactional write is taken as two items of one write unit each,
twice over (DynamoDB charges transactions double); a read as one read unit; one X-Ray trace
and one CloudFront invalidation path per recipe (the pointer).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench import prices
from bench.prices import Price

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("upload", "splitter", "merger", "distributor")
TRANSACTION_WRITE_UNITS = 4
"""Two items of one write unit each, charged twice as a transaction."""


@dataclass(frozen=True)
class Usage:
    """What one scenario used, in AWS terms, over ``recipes`` recipes."""

    recipes: int
    requests: Mapping[str, int] = field(default_factory=dict)
    """``service operation`` -> count, as the emulator's tally names them."""
    lambda_ms: Mapping[str, float] = field(default_factory=dict)
    """function label (``splitter.process_chunk``) -> billed milliseconds."""
    invocations: Mapping[str, int] = field(default_factory=dict)
    log_bytes: int = 0
    api_requests: int = 0
    api_ms: float = 0.0
    """Time the clients waited on the API: an upper bound of the API handler's duration."""

    def as_json(self) -> dict[str, object]:
        return {
            "recipes": self.recipes,
            "requests": dict(self.requests),
            "lambda_ms": {k: round(v, 1) for k, v in self.lambda_ms.items()},
            "invocations": dict(self.invocations),
            "log_bytes": self.log_bytes,
            "api_requests": self.api_requests,
            "api_ms": round(self.api_ms, 1),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Usage:
        return cls(**data)  # type: ignore[arg-type]


def _request_price(operation: str) -> tuple[Price, float] | None:
    """The price of one ``service operation`` of the tally, and units per request."""
    service, _, what = operation.partition(" ")
    if service == "dynamodb":
        if what == "TransactWriteItems":
            return prices.DYNAMODB_WRITE, TRANSACTION_WRITE_UNITS
        if what in {"GetItem", "Query", "Scan", "BatchGetItem"}:
            return prices.DYNAMODB_READ, 1
        if what == "TransactGetItems":
            return prices.DYNAMODB_READ, 2
        return prices.DYNAMODB_WRITE, 1
    if service in {"s3", "unsigned"}:  # "unsigned PUT?X-Amz-Algorithm": a presigned PUT
        verb = what.split("?", 1)[0]
        if verb == "DELETE":
            return None
        return (prices.S3_TIER1 if verb in {"PUT", "POST"} else prices.S3_TIER2), 1
    if service == "sqs":
        return prices.SQS_REQUEST, 1
    if service == "sns":
        return prices.SNS_PUBLISH, 1
    if service == "secretsmanager":
        return prices.SECRETS_API, 1
    return None


def function_memory_mb(repo: Path = REPO, stage: str = "prod") -> dict[str, int]:
    """``service.function`` -> configured memory, as ``make package`` deploys it."""
    memory = {}
    for service in SERVICES:
        config = json.loads((repo / "services" / service / ".chalice" / "config.json").read_text())
        settings = config["stages"][stage]
        default = settings.get("lambda_memory_size", config.get("lambda_memory_size", prices.LAMBDA_DEFAULT_MEMORY_MB))
        for name, function in settings.get("lambda_functions", {}).items():
            memory[f"{service}.{name}"] = int(function.get("lambda_memory_size", default))
        memory.setdefault(f"{service}.api", int(default))
    return memory


def bill(usage: Usage, memory_mb: Mapping[str, int]) -> dict[str, float]:
    """USD for everything ``usage`` counts, by line item (``unpriced`` lists nothing it skips)."""
    lines: dict[str, float] = {}

    def add(item: str, usd: float) -> None:
        lines[item] = lines.get(item, 0.0) + usd

    for operation, count in usage.requests.items():
        priced = _request_price(operation)
        if priced is not None:
            price, units = priced
            add(operation.split(" ", 1)[0].replace("unsigned", "s3"), price.of(count * units))
    for label, ms in usage.lambda_ms.items():
        gb = memory_mb.get(label, prices.LAMBDA_DEFAULT_MEMORY_MB) / 1024
        add("lambda", prices.LAMBDA_GB_SECOND.of(gb * ms / 1000))
    add("lambda", prices.LAMBDA_REQUEST.of(sum(usage.invocations.values()) + usage.api_requests))
    api_gb = memory_mb.get("upload.api", prices.LAMBDA_DEFAULT_MEMORY_MB) / 1024
    add("lambda", prices.LAMBDA_GB_SECOND.of(api_gb * usage.api_ms / 1000))
    add("api gateway", prices.API_GATEWAY_REST.of(usage.api_requests))
    add("cloudfront", prices.CLOUDFRONT_INVALIDATION_PATH.of(usage.recipes))
    add("xray", prices.XRAY_TRACE.of(usage.recipes))
    add("logs", prices.LOGS_INGESTED.of(usage.log_bytes))
    return lines


PRICED_OTHERWISE = ("s3 DELETE", "xray ", "cloudfront ", "monitoring ", "cloudwatch ")
"""Free (S3 deletes), priced per trace or path (X-Ray, CloudFront), or the local runtime's
forwarding of EMF metrics, which on AWS arrive through the logs already priced."""


def unpriced(usage: Usage) -> list[str]:
    """Operations of the tally no price row covers (shown in the report, never hidden)."""
    return sorted(op for op in usage.requests if _request_price(op) is None and not op.startswith(PRICED_OTHERWISE))


def per_unit(lines: Mapping[str, float], units: float) -> dict[str, float]:
    """Each line item divided by ``units`` (recipes, thousands of recipes, GiB)."""
    return {item: usd / units for item, usd in lines.items()} if units else {}


def scenario_unit(scenario: str, usage: Usage) -> tuple[str, float]:
    """What a scenario's bill is quoted per: 1,000 small recipes, or a GiB of a large one."""
    kind, _, size = scenario.partition(" ")
    if size.endswith(" MiB"):
        return f"per GiB of {kind}", int(size.removesuffix(" MiB")) / 1024
    return "per 1,000 recipes", usage.recipes / 1000


def markdown(usages: Mapping[str, Mapping[str, object]], memory_mb: Mapping[str, int] | None = None) -> list[str]:
    """The report's "AWS bill per recipe" section: one row per scenario, USD by service."""
    if not usages:
        return []
    memory = memory_mb if memory_mb is not None else function_memory_mb()
    rows, items, skipped = [], set(), set()
    for scenario, data in usages.items():
        usage = Usage.from_json(data)
        unit, units = scenario_unit(scenario, usage)
        lines = per_unit(bill(usage, memory), units)
        items |= set(lines)
        skipped |= set(unpriced(usage))
        rows.append((scenario, unit, lines))
    columns = sorted(items)
    out = [
        f"## AWS bill per recipe (USD, {prices.REGION} list prices of {prices.PRICED_ON}, free tiers aside)",
        "",
        "| scenario | quoted | total | " + " | ".join(columns) + " |",
        "|---" * (len(columns) + 3) + "|",
    ]
    for scenario, unit, lines in rows:
        cells = " | ".join(f"{lines.get(c, 0.0):.4f}" for c in columns)
        out.append(f"| {scenario} | {unit} | **{sum(lines.values()):.4f}** | {cells} |")
    out += [
        "",
        "From the run's own counts: emulator requests by operation, functions' billed milliseconds "
        "at their prod memory, bytes logged, API calls (the clients' wait as the API handler's duration). "
        "Assumed: a transactional write is 4 write units, a read 1 read unit, one X-Ray trace and one "
        "invalidation path per recipe. Prices: `bench/prices.py`."
        + (f" Not priced: {', '.join(sorted(skipped))}." if skipped else ""),
        "",
    ]
    return out
