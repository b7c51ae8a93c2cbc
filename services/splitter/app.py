"""The splitter: plans recipes into byte-range chunks and processes each chunk."""

from __future__ import annotations

from chalice.app import Chalice, SQSEvent

from chalicelib import bootstrap, handlers
from chalicelib.deps import SERVICE
from circulion.batch import Consumer, for_each_record
from circulion.contracts.events import ProcessChunk, RecipeValidated
from circulion.lambda_types import BatchResponse
from circulion.settings import RESOURCES

app = Chalice(app_name="circulion-splitter")

SPLIT = Consumer(service=SERVICE, function="split", stage="split")
PROCESS_CHUNK = Consumer(service=SERVICE, function="process_chunk", stage="processing")


@app.on_sqs_message(queue=RESOURCES.splitter_queue, batch_size=5)
def split(event: SQSEvent) -> BatchResponse:
    return for_each_record(event, RecipeValidated, handlers.split, bootstrap.deps(), SPLIT)


# The work queue's pollers may invoke up to SQS's ceiling for one event source (1,000): at
# the target load the chunk workers need ~560 at the peak (docs/CAPACITY.md). The local
# stage keeps two through its reserved_concurrency (two cores); the tighter limit wins.
CHUNK_WORKERS_MAXIMUM_CONCURRENCY = 1000


@app.on_sqs_message(queue=RESOURCES.work_queue, batch_size=1, maximum_concurrency=CHUNK_WORKERS_MAXIMUM_CONCURRENCY)
def process_chunk(event: SQSEvent) -> BatchResponse:
    return for_each_record(event, ProcessChunk, handlers.process_chunk, bootstrap.deps(), PROCESS_CHUNK)
