"""The merge coordinator: decorators and one-call handlers (logic lives in chalicelib)."""

from __future__ import annotations

from chalice.app import Chalice, CloudWatchEvent, Rate, SQSEvent

from chalicelib import bootstrap, handlers, sweeping
from circulion import tracing
from circulion.batch import Consumer, for_each_record
from circulion.contracts.events import ChunkProcessed, RecipeSplit
from circulion.lambda_types import BatchResponse
from circulion.settings import RESOURCES

app = Chalice(app_name="circulion-merger")
COORDINATE = Consumer(service="merger", function="coordinate", stage="merge")


@app.on_sqs_message(queue=RESOURCES.merger_queue, batch_size=10)
def coordinate(event: SQSEvent) -> BatchResponse:
    deps = bootstrap.deps()
    return for_each_record(
        event, (RecipeSplit, ChunkProcessed), handlers.coordinate, deps, COORDINATE, retries=deps.retries
    )


@app.schedule(Rate(1, unit=Rate.MINUTES))
def sweep(event: CloudWatchEvent) -> dict[str, dict[str, int]]:
    deps = bootstrap.deps()  # configures tracing before the span opens
    with tracing.span("merger.sweep"):
        return {"actions": sweeping.sweep(deps).actions}
