"""The splitter: plans recipes into byte-range chunks and processes each chunk."""

from __future__ import annotations

from chalice.app import Chalice, SQSEvent

from chalicelib import bootstrap, handlers
from circulion.batch import Consumer, for_each_record
from circulion.contracts.events import ProcessChunk, RecipeValidated
from circulion.lambda_types import BatchResponse
from circulion.settings import RESOURCES

app = Chalice(app_name="circulion-splitter")

SPLIT = Consumer(service=bootstrap.SERVICE, function="split", stage="split")
PROCESS_CHUNK = Consumer(service=bootstrap.SERVICE, function="process_chunk", stage="processing")


@app.on_sqs_message(queue=RESOURCES.splitter_queue, batch_size=5)
def split(event: SQSEvent) -> BatchResponse:
    return for_each_record(event, RecipeValidated, handlers.split, bootstrap.deps(), SPLIT)


@app.on_sqs_message(queue=RESOURCES.work_queue, batch_size=1, maximum_concurrency=2)
def process_chunk(event: SQSEvent) -> BatchResponse:
    return for_each_record(event, ProcessChunk, handlers.process_chunk, bootstrap.deps(), PROCESS_CHUNK)
