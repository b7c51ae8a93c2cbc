"""The upload service: the customer API, upload validation and the status projection."""

from __future__ import annotations

from chalice import Chalice, Response  # type: ignore[attr-defined]
from chalice.app import CloudWatchEvent, Rate, Request, SQSEvent

from chalicelib import arrivals, bootstrap, command_sweep, handlers, http_edge, routes
from circulion.batch import Consumer, for_each_record
from circulion.contracts import LIFECYCLE_EVENT_TYPES, MESSAGE_TYPES
from circulion.lambda_types import BatchResponse
from circulion.settings import RESOURCES

app = Chalice(app_name="circulion-upload")

VALIDATE = Consumer(service="upload", function="validate", stage="validation")
TRACK_STATUS = Consumer(service="upload", function="track_status", stage="upload")
LIFECYCLE = tuple(MESSAGE_TYPES[t] for t in LIFECYCLE_EVENT_TYPES)


@app.middleware("http")
def observed_edge(event: Request, get_response: http_edge.GetResponse) -> Response:
    bootstrap.configure_observability()
    return http_edge.middleware(event, get_response)


app.register_blueprint(routes.blueprint)  # the API: chalicelib/routes.py


@app.on_sqs_message(queue=RESOURCES.upload_validate_queue, batch_size=10)
def validate(event: SQSEvent) -> BatchResponse:
    return arrivals.validate_batch(event, bootstrap.deps(), VALIDATE)


@app.on_sqs_message(queue=RESOURCES.upload_status_queue, batch_size=10)
def track_status(event: SQSEvent) -> BatchResponse:
    return for_each_record(event, LIFECYCLE, handlers.track_status, bootstrap.deps(), TRACK_STATUS)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def resend_commands(event: CloudWatchEvent) -> dict[str, int]:
    return {"resent": command_sweep.resend_due(bootstrap.deps().fleet)}
