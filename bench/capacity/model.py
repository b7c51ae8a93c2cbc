"""Demand against every limit on the path: one :class:`Row` per resource.

A row's demand is at the profile's peak; ``headroom`` is limit / demand. Rows whose demand
grows with the load say at what load they bind (target x headroom); the others bind at a
recipe size, a tenant's share or a setting, and say so in ``binds_at``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.capacity import items
from bench.capacity import limits as quota
from bench.capacity.edge import signed_url_bytes
from bench.capacity.inputs import Design, Measured
from bench.capacity.traffic import (
    GiB,
    LoadProfile,
    Traffic,
    api_requests,
    chunks_of,
    concurrency,
    distribute_record_s,
    invocations,
    stream_chunk_s,
    traffic,
)


@dataclass(frozen=True)
class Row:
    resource: str
    demand: float
    limit: quota.Limit
    scales_with_load: bool = True
    binds_at: str = ""

    @property
    def headroom(self) -> float:
        return math.inf if self.demand <= 0 else self.limit.value / self.demand


def _setting(name: str, value: float, unit: str, where: str) -> quota.Limit:
    return quota.Limit(name, value, unit, "setting", where)


def rows(p: LoadProfile, m: Measured, d: Design) -> list[Row]:
    t = traffic(p, d)
    return [*_lambda(p, t, m, d), *_messaging(p, t, m, d), *_dynamodb(p, t, m, d), *_s3(p, t, m, d), *_edge(p, t, d)]


def _lambda(p: LoadProfile, t: Traffic, m: Measured, d: Design) -> list[Row]:
    c = concurrency(p, t, m, d)
    chunk = d.functions["splitter.process_chunk"]
    dist = d.functions["distributor.distribute"]
    out = [
        Row("Lambda: all functions, concurrent executions", sum(c.values()), quota.LAMBDA_ACCOUNT_CONCURRENCY),
        Row(
            "Lambda: splitter.process_chunk, concurrent executions",
            c["splitter.process_chunk"],
            quota.SQS_ESM_MAX_CONCURRENCY,
        ),
    ]
    if chunk.maximum_concurrency is not None:
        cap = _setting(
            "process_chunk MaximumConcurrency", chunk.maximum_concurrency, "invocations", "services/splitter/app.py"
        )
        out.append(Row("Lambda: splitter.process_chunk vs its MaximumConcurrency", c["splitter.process_chunk"], cap))
    if dist.reserved_concurrency is not None:
        per_s = dist.reserved_concurrency / distribute_record_s(p, m, d)
        cap = _setting(
            "distribute reserved concurrency x records/s each",
            per_s,
            "records/s",
            "services/distributor/.chalice/config.json",
        )
        out.append(Row("Lambda: distributor.distribute throughput (recipe.merged/s)", t.recipes, cap))
    coordinate = d.functions["merger.coordinate"]
    merge_s = m.merge_wall_s_per_gib_asset * t.asset_max_bytes / GiB
    timeout = _setting("coordinate timeout", coordinate.timeout_s, "s", "services/merger/.chalice/config.json")
    out.append(
        Row(
            "Lambda: merge of the largest asset (s)",
            merge_s,
            timeout,
            False,
            f"at an asset of {t.asset_max_bytes / GiB * timeout.value / merge_s:,.0f} GiB",
        )
    )
    validate = d.functions["upload.validate"]
    validate_s = (
        m.validate_cpu_s_per_gib * t.asset_max_bytes / GiB * max(1.0, quota.LAMBDA_VCPU_MEMORY_MB / validate.memory_mb)
    )
    timeout = _setting("validate timeout", validate.timeout_s, "s", "services/upload/.chalice/config.json")
    out.append(
        Row(
            "Lambda: validation of the largest asset (s)",
            validate_s,
            timeout,
            False,
            f"at an asset of {t.asset_max_bytes / GiB * timeout.value / validate_s:,.0f} GiB",
        )
    )
    return out


def _messaging(p: LoadProfile, t: Traffic, m: Measured, d: Design) -> list[Row]:
    per_chunk = (m.requests_per_extra_chunk or {}).get("sns Publish", 1.0)  # chunk.processed, by the code
    publishes = t.recipes * m.requests_per_small_recipe.get("sns Publish", 6.0) + (t.chunks - t.recipes) * per_chunk
    c = concurrency(p, t, m, d)
    in_flight = c["splitter.process_chunk"] + c["merger.coordinate"] * (
        d.functions["merger.coordinate"].batch_size or 1
    )
    # Each invocation: Lambda's service segment and the function's; an API call adds API Gateway's.
    segments = p.trace_sampling * (2 * sum(invocations(p, t, d).values()) + 3 * api_requests(p, t, d))
    trace_bytes = 2 * chunks_of(t.asset_max_bytes, d) * p.segment_bytes
    return [
        Row(
            "API Gateway: requests/s (uploads + robots' GET /names/{name}/latest)",
            api_requests(p, t, d),
            quota.api_gateway_rps(p.region),
        ),
        Row(
            "API Gateway: robots renewing at once (fleet restart)",
            p.robots,
            quota.APIGW_BURST,
            False,
            f"at {quota.APIGW_BURST.value:,.0f} robots renewing together",
        ),
        Row(f"SNS: Publish/s ({p.region})", publishes, quota.sns_publish(p.region)),
        Row("SQS: in-flight messages (work + merger queues)", in_flight, quota.SQS_IN_FLIGHT),
        Row(f"X-Ray: segments/s ({p.trace_sampling:.0%} of invocations traced)", segments, quota.XRAY_SEGMENTS),
        Row(
            "X-Ray: trace document of the largest asset (bytes)",
            trace_bytes,
            quota.XRAY_TRACE_DOCUMENT,
            False,
            f"at recipes of {quota.XRAY_TRACE_DOCUMENT.value / 2 / p.segment_bytes:,.0f} chunks",
        ),
    ]


def _dynamodb(p: LoadProfile, t: Traffic, m: Measured, d: Design) -> list[Row]:
    max_chunks = int(chunks_of(t.asset_max_bytes, d))
    job = items.item_bytes(items.ledger_job(max_chunks, d.chunk_size))
    marker = items.item_bytes(items.ledger_marker(0, 256, d.chunk_size))
    marker_clean = items.item_bytes(items.ledger_marker(0, 256, d.chunk_size, issues=0))
    chunk_wru = items.write_units(job, transactional=True) + items.write_units(marker_clean, transactional=True)
    recipe_max = items.item_bytes(items.recipe_record(range(max_chunks)))
    recipe_mean = items.item_bytes(items.recipe_record(range(int(t.stream_chunks_each))))
    per_byte = items.item_bytes(items.recipe_record(range(1000))) - items.item_bytes(items.recipe_record(range(1)))
    chunks_at_limit = quota.DYNAMODB_ITEM_SIZE.value / (per_byte / 999)
    gsi = 1 if d.recipes_index_projection == "ALL" else 0
    recipe_writes = t.lifecycle_events + 4 * t.recipes  # projection updates + create (2), claim, complete
    recipe_wru = recipe_writes * items.write_units(recipe_mean)
    ledger_wru = t.chunks * chunk_wru + 3 * t.recipes * items.write_units(job)
    # One recipe's chunks finish as fast as the workers it gets: all of them at once when
    # the work queue is idle (capped by MaximumConcurrency), each taking a chunk's time.
    stream_chunks = chunks_of(p.stream_max_bytes, d)
    cap = d.functions["splitter.process_chunk"].maximum_concurrency or quota.SQS_ESM_MAX_CONCURRENCY.value
    per_recipe_rate = min(stream_chunks, cap) / stream_chunk_s(p, m, d)
    safe_parallel = quota.DYNAMODB_PARTITION_WCU.value / chunk_wru * stream_chunk_s(p, m, d)
    status_wru = items.write_units(recipe_mean) * (1 + gsi)
    status_parallel = quota.DYNAMODB_PARTITION_WCU.value / status_wru * stream_chunk_s(p, m, d)
    tenant_wru = p.busiest_tenant_share * recipe_wru * gsi
    tenant_share_at_limit = p.busiest_tenant_share * quota.DYNAMODB_PARTITION_WCU.value / max(tenant_wru, 1e-9)
    return [
        Row("DynamoDB: circulion-recipes writes (WRU/s)", recipe_wru, quota.DYNAMODB_TABLE_ON_DEMAND),
        Row(
            "DynamoDB: circulion-recipes writes, newly created table (WRU/s)",
            recipe_wru,
            quota.DYNAMODB_NEW_TABLE_WARM_WRITES,
            False,
            _launch_day(p, recipe_wru),
        ),
        Row("DynamoDB: circulion-ledger writes (WRU/s)", ledger_wru, quota.DYNAMODB_TABLE_ON_DEMAND),
        Row(
            "DynamoDB: circulion-ledger writes, newly created table (WRU/s)",
            ledger_wru,
            quota.DYNAMODB_NEW_TABLE_WARM_WRITES,
            False,
            _launch_day(p, ledger_wru),
        ),
        Row(
            f"DynamoDB: ledger key recipe#{{id}} of a {p.stream_max_bytes / GiB:.0f} GiB stream (WRU/s)",
            per_recipe_rate * chunk_wru,
            quota.DYNAMODB_PARTITION_WCU,
            False,
            f"at {safe_parallel:,.0f} chunks of one recipe in flight",
        ),
        Row(
            f"DynamoDB: status key RECIPE#{{id}} of a {p.stream_max_bytes / GiB:.0f} GiB stream (WRU/s)",
            per_recipe_rate * status_wru,
            quota.DYNAMODB_PARTITION_WCU,
            False,
            f"at {status_parallel:,.0f} chunks of one recipe in flight (each rewrites the item and its gsi1 copy)",
        ),
        Row(
            f"DynamoDB: gsi1 key TENANT#{{t}}, busiest tenant at {p.busiest_tenant_share:.0%} (WRU/s)",
            tenant_wru,
            quota.DYNAMODB_PARTITION_WCU,
            False,
            f"at a tenant with {tenant_share_at_limit:.0%} of the load",
        ),
        Row(
            "DynamoDB: ledger job item, largest asset (bytes)",
            job,
            quota.DYNAMODB_ITEM_SIZE,
            False,
            "never: the plan is an S3 reference; the job does not grow with chunks",
        ),
        Row(
            "DynamoDB: ledger chunk marker, 50 inline issues (bytes)",
            marker,
            quota.DYNAMODB_ITEM_SIZE,
            False,
            "never: issues beyond 50 go to S3",
        ),
        Row(
            "DynamoDB: recipe item with chunks_seen, largest asset (bytes)",
            recipe_max,
            quota.DYNAMODB_ITEM_SIZE,
            False,
            f"never: it would take {chunks_at_limit:,.0f} chunks, the splitter cuts at most {d.max_chunks:,}"
            if chunks_at_limit > d.max_chunks
            else f"at {chunks_at_limit:,.0f} chunks",
        ),
    ]


def _launch_day(p: LoadProfile, wru: float) -> str:
    at = p.recipes_per_day * quota.DYNAMODB_NEW_TABLE_WARM_WRITES.value / wru
    return f"on launch day, above {at:,.0f} recipes/day (warm throughput then follows the peak)"


def _s3(p: LoadProfile, t: Traffic, m: Measured, d: Design) -> list[Row]:
    small_gets = sum(v for k, v in m.requests_per_small_recipe.items() if k.startswith(("s3 GET", "s3 HEAD")))
    gets = t.bytes_large / d.read_piece_bytes + t.bytes_large / d.validate_range_bytes + t.documents * small_gets
    puts = t.bytes_large / d.part_size + t.documents
    segments = t.chunks + 2 * t.recipes  # one segment per chunk; the plan written twice
    archive_parts = 2 * chunks_of(t.asset_max_bytes, d) + 2  # at most two per segment, plus head and tail
    upload_parts = math.ceil(t.asset_max_bytes / max(d.part_size, math.ceil(t.asset_max_bytes / 10_000)))
    return [
        Row("S3: circulion-uploads incoming/ GET/s (validation + chunk reads)", gets, quota.S3_PREFIX_GET),
        Row("S3: circulion-uploads incoming/ PUT/s (parts + documents)", puts, quota.S3_PREFIX_PUT),
        Row("S3: circulion-work PUT/s (segments, plans)", segments, quota.S3_PREFIX_PUT),
        Row(
            "S3: parts of the largest archive (merger, worst case)",
            archive_parts,
            quota.S3_MAX_PARTS,
            False,
            f"never: past {d.max_chunks:,} chunks the splitter cuts larger chunks (planning.MAX_CHUNKS)",
        ),
        Row(
            "S3: parts of the largest upload (client)",
            upload_parts,
            quota.S3_MAX_PARTS,
            False,
            "never: the part size grows to fit (upload_plan.plan_upload)",
        ),
    ]


def _edge(p: LoadProfile, t: Traffic, d: Design) -> list[Row]:
    polls = p.robots / p.robot_poll_s
    in_progress = t.recipes * p.invalidation_s  # one pointer path per distributed recipe
    return [
        Row(
            "CloudFront: requests/s (robots' pointer polls)",
            polls,
            quota.CLOUDFRONT_RPS,
            False,
            f"at {p.robots * quota.CLOUDFRONT_RPS.value / polls:,.0f} robots polling every {p.robot_poll_s:.0f} s",
        ),
        Row("CloudFront: invalidation paths in progress", in_progress, quota.CLOUDFRONT_PATHS_IN_PROGRESS),
        Row(
            "CloudFront: signed pointer URL, custom policy (bytes)",
            signed_url_bytes(),
            quota.CLOUDFRONT_URL_LENGTH,
            False,
            "never (fixed-size policy)",
        ),
    ]
