"""circulion-distributor: publishes merged archives and keeps the CDN's pointers fresh."""

from __future__ import annotations

from chalice.app import Chalice, SQSEvent

from chalicelib import bootstrap, coalescing
from circulion.lambda_types import BatchResponse
from circulion.settings import RESOURCES

app = Chalice(app_name="circulion-distributor")

# A large batch gathered over a short window is what coalesces invalidations: merges that
# finish within ~2 s share one CreateInvalidation. `reserved_concurrency` (.chalice/config.json)
# is 1 locally, so one poller gathers a burst; in prod it is sized for throughput (one
# invocation handles ~12 records/s: docs/CAPACITY.md), and pointer writes and invalidation
# plans are conditional writes, safe under concurrency.
BATCH_SIZE = 100
BATCHING_WINDOW_SECONDS = 2


@app.on_sqs_message(
    queue=RESOURCES.distributor_queue,
    batch_size=BATCH_SIZE,
    maximum_batching_window_in_seconds=BATCHING_WINDOW_SECONDS,
)
def distribute(event: SQSEvent) -> BatchResponse:
    return coalescing.distribute(event, bootstrap.deps())
