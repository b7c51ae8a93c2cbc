"""The upload service: the customer API, upload validation and the status projection."""

from __future__ import annotations

from typing import Any

from chalice import Chalice, Response  # type: ignore[attr-defined]
from chalice.app import Rate, Request

from chalicelib import (  # the fleet routes (issue 17)
    api,
    bootstrap,
    command_sweep,
    fleet,
    handlers,
    http_edge,
    notifications,
    openapi,
    recipe_schemas,
    roles,
    withdrawal,
)
from chalicelib.auth import Principal
from chalicelib.fleet_models import WithdrawRecipe
from chalicelib.http_edge import error_response, json_response, parse_body, view
from chalicelib.live import etag_of
from chalicelib.models import CompleteUpload, CreateRecipe, Health
from circulion.batch import Consumer, for_each_record
from circulion.contracts import LIFECYCLE_EVENT_TYPES, MESSAGE_TYPES
from circulion.lambda_types import BatchResponse, SqsRecord
from circulion.settings import RESOURCES

app = Chalice(app_name="circulion-upload")


def _observed_edge(event: Request, get_response: Any) -> Response:
    bootstrap.configure_observability()
    return http_edge.middleware(event, get_response)


app.register_middleware(_observed_edge, "http")

VALIDATE = Consumer(service="upload", function="validate", stage="validation")
TRACK_STATUS = Consumer(service="upload", function="track_status", stage="upload")
LIFECYCLE = tuple(MESSAGE_TYPES[t] for t in LIFECYCLE_EVENT_TYPES)
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


def _request() -> Request:
    request = app.current_request
    assert request is not None  # Chalice sets it before any route runs
    return request


def _principal() -> Principal:
    request = _request()
    principal = bootstrap.deps().verifier().verify_header(request.headers.get("authorization"))
    return roles.authorize(principal, request.method, str(request.context.get("resourcePath", request.path)))


def _query() -> dict[str, str]:
    return dict(_request().query_params or {})


@app.route("/health", methods=["GET"])
@view
def health() -> Response:
    return json_response(Health())


@app.route("/openapi.json", methods=["GET"])
@view
def openapi_document() -> Response:
    return Response(body=openapi.document(), headers={"Content-Type": "application/json"})


@app.route("/schemas", methods=["GET"])
@view
def list_schemas() -> Response:
    return Response(body=recipe_schemas.index(), headers={"Content-Type": "application/json"})


@app.route("/schemas/{file_name}", methods=["GET"])
@view
def get_schema(file_name: str) -> Response:
    return Response(
        body=recipe_schemas.schema_text(file_name), headers={"Content-Type": recipe_schemas.SCHEMA_MEDIA_TYPE}
    )


@app.route("/recipes", methods=["POST"])
@view
def create_recipe() -> Response:
    principal = _principal()
    body = parse_body(_request(), CreateRecipe)
    trace = http_edge.trace_header_for_new_recipe(_request())
    return json_response(api.create_recipe(principal, body, trace, bootstrap.deps().api), 201)


@app.route("/recipes", methods=["GET"])
@view
def list_recipes() -> Response:
    principal = _principal()
    params = api.parse_query(api.ListParams, _query())
    return json_response(api.list_recipes(principal, params, bootstrap.deps().api))


@app.route("/recipes/{recipe_id}", methods=["GET"])
@view
def get_recipe(recipe_id: str) -> Response:
    return json_response(api.get_recipe(_principal(), recipe_id, bootstrap.deps().api))


@app.route("/recipes/{recipe_id}/parts", methods=["GET"])
@view
def part_urls(recipe_id: str) -> Response:
    principal = _principal()
    params = api.parse_query(api.PartParams, _query())
    return json_response(api.part_urls(principal, recipe_id, params, bootstrap.deps().api))


@app.route("/recipes/{recipe_id}/complete", methods=["POST"])
@view
def complete_upload(recipe_id: str) -> Response:
    principal = _principal()
    body = parse_body(_request(), CompleteUpload)
    return json_response(api.complete_upload(principal, recipe_id, body, bootstrap.deps().api))


@app.route("/recipes/{recipe_id}/abort", methods=["POST"])
@view
def abort_upload(recipe_id: str) -> Response:
    return json_response(api.abort_upload(_principal(), recipe_id, bootstrap.deps().api))


@app.route("/recipes/{recipe_id}/download", methods=["GET"])
@view
def download(recipe_id: str) -> Response:
    return json_response(api.download(_principal(), recipe_id, bootstrap.deps().api))


@app.route("/recipes/{recipe_id}/withdraw", methods=["POST"])
@view
def withdraw_recipe(recipe_id: str) -> Response:
    principal = _principal()
    body = parse_body(_request(), WithdrawRecipe)
    return json_response(withdrawal.withdraw(principal, recipe_id, body, bootstrap.deps().fleet), 202)


@app.route("/recipes/{recipe_id}/restore", methods=["POST"])
@view
def restore_recipe(recipe_id: str) -> Response:
    return json_response(withdrawal.restore(_principal(), recipe_id, bootstrap.deps().fleet), 202)


@app.route("/names", methods=["GET"])
@view
def list_names() -> Response:
    principal = _principal()
    params = api.parse_query(fleet.NameListParams, _query())
    return json_response(fleet.list_names(principal, params, bootstrap.deps().fleet))


@app.route("/names/{name}", methods=["GET"])
@view
def get_name(name: str) -> Response:
    return json_response(fleet.get_name(_principal(), name, bootstrap.deps().fleet))


@app.route("/names/{name}/latest", methods=["GET"])
@view
def latest_version(name: str) -> Response:
    principal = _principal()
    if_none_match = _request().headers.get("if-none-match")
    live, body = fleet.latest(principal, name, if_none_match, bootstrap.deps().fleet)
    if body is None:
        return Response(body="", status_code=304, headers={"ETag": etag_of(live.sha256)})
    response = json_response(body)
    response.headers["ETag"] = etag_of(live.sha256)
    return response


# Unknown paths: locally Chalice answers them itself with a non-JSON 403 before the app
# runs, so catch-all routes make them our 404. (In API Gateway the MISSING_AUTHENTICATION_TOKEN
# gateway response plays this part.)
def _unknown_route(**_: str) -> Response:
    return error_response(404, "not_found", f"no route {_request().method} {_request().path}")


for _depth, _path in enumerate(("/", "/{p1}", "/{p1}/{p2}", "/{p1}/{p2}/{p3}", "/{p1}/{p2}/{p3}/{p4}")):
    app.route(_path, methods=ALL_METHODS, name=f"unknown_route_{_depth}")(_unknown_route)


@app.on_sqs_message(queue=RESOURCES.upload_validate_queue, batch_size=10)
def validate(event: Any) -> BatchResponse:
    deps = bootstrap.deps()

    def parse(record: SqsRecord) -> Any:
        return notifications.parse_notification(record, lambda rid: _trace_of(deps, rid))

    expect = (notifications.ObjectArrived, notifications.NotificationIgnored)
    return for_each_record(event, expect, handlers.validate, deps, VALIDATE, parse=parse)  # type: ignore[arg-type]


def _trace_of(deps: bootstrap.Deps, recipe_id: str) -> str | None:
    recipe = deps.store.get(recipe_id)
    return recipe.trace_header if recipe else None


@app.on_sqs_message(queue=RESOURCES.upload_status_queue, batch_size=10)
def track_status(event: Any) -> BatchResponse:
    return for_each_record(event, LIFECYCLE, handlers.track_status, bootstrap.deps(), TRACK_STATUS)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def resend_commands(event: Any) -> dict[str, int]:
    deps = bootstrap.deps()
    return {"resent": command_sweep.resend_due(deps.fleet)}
