"""circulion-distributor: publishes merged archives and keeps the CDN's pointers fresh."""

from __future__ import annotations

from chalice.app import Chalice, SQSEvent

from chalicelib import bootstrap, coalescing
from circulion.lambda_types import BatchResponse
from circulion.settings import RESOURCES

app = Chalice(app_name="circulion-distributor")

# No batching window: CloudFront bills invalidations per path, not per request, and what it
# limits is paths in progress, so waiting to gather a burst bought almost nothing while it was
# most of an unloaded recipe's latency. Each batch the poller hands over (at most 10 records
# without a window) becomes one invalidation with each path once; under load the batches
# fill and coalesce by themselves. `reserved_concurrency` (.chalice/config.json) is 1
# locally; in prod it is sized for throughput (docs/CAPACITY.md): pointer writes and
# invalidation plans are conditional writes, safe under concurrency.
BATCH_SIZE = 10


@app.on_sqs_message(queue=RESOURCES.distributor_queue, batch_size=BATCH_SIZE)
def distribute(event: SQSEvent) -> BatchResponse:
    return coalescing.distribute(event, bootstrap.deps())
