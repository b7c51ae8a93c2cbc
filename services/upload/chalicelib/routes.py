"""The API's routes, as a Chalice blueprint: each verifies the caller, parses, calls one
function of :mod:`chalicelib.api`, :mod:`chalicelib.fleet` or :mod:`chalicelib.withdrawal`,
and renders its answer. Every route is registered through :func:`route`, so each maps our
errors to responses the same way (:func:`chalicelib.http_edge.view`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Response  # type: ignore[attr-defined]
from chalice.app import Blueprint, Request

from chalicelib import api, bootstrap, fleet, http_edge, openapi, recipe_schemas, roles, withdrawal
from chalicelib.auth import Principal
from chalicelib.fleet_models import WithdrawRecipe
from chalicelib.http_edge import error_response, json_response, view
from chalicelib.inputs import ListParams, NameListParams, PartParams, parse_body, parse_query
from chalicelib.live import etag_of
from chalicelib.models import CompleteUpload, CreateRecipe, Health

blueprint = Blueprint(__name__)

ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]

View = Callable[..., Response]


def route(path: str, method: str) -> Callable[[View], View]:
    """Register ``path`` for ``method`` on the blueprint, mapping our errors inside the view."""

    def register(handler: View) -> View:
        blueprint.route(path, methods=[method])(view(handler))
        return handler

    return register


def _request() -> Request:
    request = blueprint.current_request
    assert request is not None  # Chalice sets it before any route runs
    return request


def _principal() -> Principal:
    request = _request()
    principal = bootstrap.deps().verifier().verify_header(request.headers.get("authorization"))
    return roles.authorize(principal, request.method, str(request.context.get("resourcePath", request.path)))


def _query() -> dict[str, str]:
    return dict(_request().query_params or {})


def _json(body: str, content_type: str = "application/json") -> Response:
    return Response(body=body, headers={"Content-Type": content_type})


@route("/health", "GET")
def health() -> Response:
    return json_response(Health())


@route("/openapi.json", "GET")
def openapi_document() -> Response:
    return _json(openapi.document())


@route("/schemas", "GET")
def list_schemas() -> Response:
    return _json(recipe_schemas.index())


@route("/schemas/{file_name}", "GET")
def get_schema(file_name: str) -> Response:
    return _json(recipe_schemas.schema_text(file_name), recipe_schemas.SCHEMA_MEDIA_TYPE)


@route("/recipes", "POST")
def create_recipe() -> Response:
    principal = _principal()
    body = parse_body(_request(), CreateRecipe)
    trace = http_edge.trace_header_for_new_recipe(_request())
    return json_response(api.create_recipe(principal, body, trace, bootstrap.deps().api), 201)


@route("/recipes", "GET")
def list_recipes() -> Response:
    principal = _principal()
    params = parse_query(ListParams, _query())
    return json_response(api.list_recipes(principal, params, bootstrap.deps().api))


@route("/recipes/{recipe_id}", "GET")
def get_recipe(recipe_id: str) -> Response:
    return json_response(api.get_recipe(_principal(), recipe_id, bootstrap.deps().api))


@route("/recipes/{recipe_id}/parts", "GET")
def part_urls(recipe_id: str) -> Response:
    principal = _principal()
    params = parse_query(PartParams, _query())
    return json_response(api.part_urls(principal, recipe_id, params, bootstrap.deps().api))


@route("/recipes/{recipe_id}/complete", "POST")
def complete_upload(recipe_id: str) -> Response:
    principal = _principal()
    body = parse_body(_request(), CompleteUpload)
    return json_response(api.complete_upload(principal, recipe_id, body, bootstrap.deps().api))


@route("/recipes/{recipe_id}/abort", "POST")
def abort_upload(recipe_id: str) -> Response:
    return json_response(api.abort_upload(_principal(), recipe_id, bootstrap.deps().api))


@route("/recipes/{recipe_id}/download", "GET")
def download(recipe_id: str) -> Response:
    return json_response(api.download(_principal(), recipe_id, bootstrap.deps().api))


@route("/recipes/{recipe_id}/withdraw", "POST")
def withdraw_recipe(recipe_id: str) -> Response:
    principal = _principal()
    body = parse_body(_request(), WithdrawRecipe)
    return json_response(withdrawal.withdraw(principal, recipe_id, body, bootstrap.deps().fleet), 202)


@route("/recipes/{recipe_id}/restore", "POST")
def restore_recipe(recipe_id: str) -> Response:
    return json_response(withdrawal.restore(_principal(), recipe_id, bootstrap.deps().fleet), 202)


@route("/names", "GET")
def list_names() -> Response:
    principal = _principal()
    params = parse_query(NameListParams, _query())
    return json_response(fleet.list_names(principal, params, bootstrap.deps().fleet))


@route("/names/{name}", "GET")
def get_name(name: str) -> Response:
    return json_response(fleet.get_name(_principal(), name, bootstrap.deps().fleet))


@route("/names/{name}/latest", "GET")
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
def _unknown_route(**_: Any) -> Response:
    return error_response(404, "not_found", f"no route {_request().method} {_request().path}")


for _depth, _path in enumerate(("/", "/{p1}", "/{p1}/{p2}", "/{p1}/{p2}/{p3}", "/{p1}/{p2}/{p3}/{p4}")):
    blueprint.route(_path, methods=ALL_METHODS, name=f"unknown_route_{_depth}")(_unknown_route)
