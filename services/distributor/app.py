"""circulion-distributor: publishes merged archives and keeps the CDN's pointers fresh."""

from __future__ import annotations

from chalice.app import Chalice, SQSEvent

from chalicelib import bootstrap, coalescing
from circulion.lambda_types import BatchResponse
from circulion.settings import RESOURCES

app = Chalice(app_name="circulion-distributor")

# A large batch gathered over a short window is what coalesces invalidations: merges that
# finish within ~2 s share one CreateInvalidation. `reserved_concurrency` is 1
# (.chalice/config.json) so one poller gathers them instead of two splitting the burst;
# it also serialises pointer writes and invalidations, which CloudFront limits anyway.
BATCH_SIZE = 100
BATCHING_WINDOW_SECONDS = 2


@app.on_sqs_message(
    queue=RESOURCES.distributor_queue,
    batch_size=BATCH_SIZE,
    maximum_batching_window_in_seconds=BATCHING_WINDOW_SECONDS,
)
def distribute(event: SQSEvent) -> BatchResponse:
    return coalescing.distribute(event, bootstrap.deps())
