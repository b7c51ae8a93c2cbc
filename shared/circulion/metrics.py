"""Metrics in CloudWatch Embedded Metric Format: one JSON log line per flush.

In Lambda, CloudWatch turns these lines into metrics with no API call; locally they are
ordinary log lines an operator can grep. The document follows the EMF specification: an
``_aws`` object with a millisecond ``Timestamp`` and one ``CloudWatchMetrics`` directive
(namespace, its dimension sets, metric names and units), and every dimension and metric as
a top-level member. The recipe, tenant and trace of the current log context ride along as
plain properties — searchable in Logs Insights, never dimensions, whose cardinality (and
price) must stay bounded.

What the services emit (names are the contract of ``infra/template.yaml``'s alarms and
dashboard; the dimension sets after each name, ``service`` always included):

* upload (the status projection, which sees every lifecycle event):
  ``EndToEndLatency`` ms, upload complete -> ``DISTRIBUTED`` — (kind, size_class), (kind);
  ``StageDuration`` ms, per stage (validation, split, chunks, merge, distribution) —
  (stage, kind), (stage);
  ``Distributed`` — (tenant), (); ``Rejected`` by first issue code — (code), (tenant), ();
  ``Failed`` by stage — (stage), (tenant), ();
* splitter.process_chunk: ``BytesProcessed`` bytes, ``ChunksProcessed``, ``ChunkDuration`` ms
  — (kind), ();
* merger.coordinate: ``MergeDuration`` ms, ``BytesOut`` bytes — (kind), ();
* distributor: ``InvalidatedPaths``, ``InvalidatedPathsThisMonth`` (month),
  ``InvalidationThrottled``;
* every SQS consumer (the batch processor): ``RecordDuration`` ms and ``DeadLettered`` —
  (function).

Expected number of CloudWatch metrics (what is billed): with 3 kinds, 4 size classes, 5
stages, 6 failure stages, T tenants and C rejection codes: 15 (end-to-end) + 20 (stages) +
(1 + T) + (1 + T + C) + (1 + T + 6) (outcomes) + 12 (splitter) + 8 (merger) + 2 + one per
month (distributor) + 12 (consumers) ≈ 80 + 3 T + C: ~130 for ten tenants and twenty codes.
Tenants appear only on the three outcome counts, so a new tenant adds three metrics.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from circulion import log, tracing

Unit = Literal[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
]
UNITS: frozenset[str] = frozenset(get_args(Unit))

NAMESPACE = "Circulion"
SIZE_CLASSES = ((1 << 20, "small"), (64 << 20, "medium"), (1 << 30, "large"))
"""Upper bounds (exclusive) of the size classes; anything bigger is ``huge``. They follow
the benchmark's recipes: ~10 KB documents, 128-512 MiB streams, 1 GiB assets."""
MAX_DIMENSIONS = 30
MAX_METRICS = 100
_CONTEXT_PROPERTIES = ("recipe_id", "tenant_id")


def emit(
    service: str,
    name: str,
    value: float,
    unit: Unit = "Count",
    *,
    rollups: Sequence[Sequence[str]] = (),
    **dimensions: str,
) -> None:
    """Write one metric as an EMF document to stdout (``rollups``: see :func:`emit_many`).

    Parameters
    ----------
    service
        Always a dimension, so every service's metrics are apart.
    name, value, unit
        The metric; ``unit`` is one of CloudWatch's units.
    dimensions
        Further dimensions (low-cardinality strings: ``function``, ``kind``...).

    Raises
    ------
    ValueError
        A unit CloudWatch does not know, a non-numeric value, an empty or non-string
        dimension, or a metric named like a dimension: mistakes CloudWatch would drop
        silently.

    Examples
    --------
    >>> metrics.emit("splitter", "BytesIn", 8_388_608, "Bytes", function="process_chunk")
    """
    _write(document(service, {name: (value, unit)}, dimensions, time.time(), rollups))


def emit_many(
    service: str,
    values: Mapping[str, tuple[float, Unit]],
    *,
    rollups: Sequence[Sequence[str]] = (),
    full_set: bool = True,
    **dimensions: str,
) -> None:
    """Write several metrics sharing one dimension set as one EMF document.

    ``rollups`` are further dimension sets, each a subset of the dimensions (``service``
    is added to each): CloudWatch then keeps the same values aggregated over what a
    rollup leaves out, which an alarm needs (alarms cannot aggregate across dimensions).
    ``full_set=False`` keeps only the rollups: per tenant and per reason, never the
    tenant x reason product.

    Examples
    --------
    >>> metrics.emit_many("upload", {"EndToEndLatency": (812.0, "Milliseconds")},
    ...                   rollups=[("kind",)], kind="document", size_class="small")
    """
    _write(document(service, values, dimensions, time.time(), rollups, full_set=full_set))


def _write(doc: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def size_class(size_bytes: int) -> str:
    """``small`` / ``medium`` / ``large`` / ``huge``: a bounded dimension for a size."""
    for bound, name in SIZE_CLASSES:
        if size_bytes < bound:
            return name
    return "huge"


def document(
    service: str,
    values: Mapping[str, tuple[float, Unit]],
    dimensions: Mapping[str, str],
    timestamp_s: float,
    rollups: Sequence[Sequence[str]] = (),
    *,
    full_set: bool = True,
) -> dict[str, object]:
    """The EMF document for ``values`` (pure, apart from the log context it reads)."""
    dims = {"service": service, **dimensions}
    _check(values, dims)
    if not full_set and not rollups:
        raise ValueError("full_set=False needs at least one rollup")
    sets = [sorted(dims)] if full_set else []
    for rollup in rollups:
        unknown = set(rollup) - set(dims)
        if unknown:
            raise ValueError(f"rollup {sorted(rollup)} names dimensions not in the document: {sorted(unknown)}")
        extra = sorted({"service", *rollup})
        if extra not in sets:
            sets.append(extra)
    properties: dict[str, object] = {
        key: value for key, value in log.current_fields().items() if key in _CONTEXT_PROPERTIES and value
    }
    trace_id = tracing.current_trace_id()
    if trace_id:
        properties["trace_id"] = trace_id
    return {
        **{key: value for key, value in properties.items() if key not in dims and key not in values},
        "_aws": {
            "Timestamp": int(timestamp_s * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": sets,
                    "Metrics": [{"Name": name, "Unit": unit} for name, (_, unit) in values.items()],
                }
            ],
        },
        **dims,
        **{name: value for name, (value, _) in values.items()},
    }


def _check(values: Mapping[str, tuple[float, Unit]], dims: Mapping[str, str]) -> None:
    if not values or len(values) > MAX_METRICS:
        raise ValueError(f"an EMF document holds 1 to {MAX_METRICS} metrics, not {len(values)}")
    if len(dims) > MAX_DIMENSIONS:
        raise ValueError(f"an EMF dimension set holds at most {MAX_DIMENSIONS} dimensions")
    for key, dim in dims.items():
        if not isinstance(dim, str) or not dim:
            raise ValueError(f"dimension {key!r} must be a non-empty string, not {dim!r}")
    for name, (value, unit) in values.items():
        if not name or name == "_aws" or name in dims:
            raise ValueError(f"metric name {name!r} collides with a dimension or is empty")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"metric {name!r} must be a number, not {value!r}")
        if unit not in UNITS:
            raise ValueError(f"metric {name!r} has unit {unit!r}, which CloudWatch does not know")
