"""The application factory: the services' blueprints, the one error shape, authentication
before any body is read, unknown query parameters refused, the security headers, the OpenAPI
document at `/openapi.json` and its reference at `/docs`."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

from riskgate.bootstrap import System
from riskgate.entrypoints.http import request_log
from riskgate.entrypoints.http.area_directory import area_directory
from riskgate.entrypoints.http.areas import areas
from riskgate.entrypoints.http.audit import audit
from riskgate.entrypoints.http.auth import authenticate_first
from riskgate.entrypoints.http.bounds import BoundedJSON, BoundedRequest
from riskgate.entrypoints.http.challenges import cycles
from riskgate.entrypoints.http.citizens import citizens
from riskgate.entrypoints.http.clock import clock
from riskgate.entrypoints.http.docs import SWAGGER_UI_CONFIG, confine_docs, docs_assets
from riskgate.entrypoints.http.errors import (
    PAGE_ERRORS,
    error_payload,
    is_api_path,
    register_refusals,
)
from riskgate.entrypoints.http.events import events
from riskgate.entrypoints.http.gatekeeper import gatekeeper
from riskgate.entrypoints.http.ladder import cases
from riskgate.entrypoints.http.ops import ops
from riskgate.entrypoints.http.performance import performance
from riskgate.entrypoints.http.query import API, refuse_unknown_query_parameters
from riskgate.entrypoints.http.throttle import FailedAuthentications
from riskgate.entrypoints.http.triage import triage
from riskgate.entrypoints.http.work import commands, work
from riskgate.schemas import EnvelopeSchema, ErrorSchema

BLUEPRINTS: dict[str, tuple[Blueprint, ...]] = {
    "ingest": (events,),
    "risk": (areas, area_directory, cycles, cases, performance),
    "gatekeeper": (gatekeeper, commands, audit, clock, triage),
    "work": (work,),
    "citizens": (citizens,),
}
# On every answer: no MIME sniffing, no framing by another site, no referrer sent onwards.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def security_headers(response: Response) -> Response:
    """after_request: the security headers on every answer; `no-store` on an authenticated
    one (or one refusing a credential), so no cache keeps what a token was shown."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if g.get("actor") is not None or "Authorization" in request.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


class _Api(Api):
    """flask-smorest's Api with riskgate's ErrorSchema, every error completed to the one shape
    (werkzeug's own carry no message), and errors off the API's paths left to the pages."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        pages = current_app.extensions.get(PAGE_ERRORS)
        if pages is not None and not is_api_path(request.path):
            return pages(error)
        payload, code, headers = super().handle_http_exception(error)
        return error_payload(error, payload), code, headers


def create_app(system_: System, services: tuple[str, ...] | None = None) -> Flask:
    """The Flask application serving the given services' routes (all by default)."""
    app = Flask("riskgate")
    app.request_class = BoundedRequest
    app.json = BoundedJSON(app)
    app.config.update(
        MAX_CONTENT_LENGTH=system_.settings.max_body_bytes,
        API_TITLE="riskgate",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
        },
        **SWAGGER_UI_CONFIG,
    )
    app.json.sort_keys = False
    app.extensions["riskgate"] = system_
    app.extensions["riskgate.failed_authentications"] = FailedAuthentications(
        system_.settings.auth_failures_per_minute
    )
    request_log.install(app)  # first: a request refused early still has its id and its count
    app.before_request(authenticate_first)
    app.before_request(refuse_unknown_query_parameters)
    app.after_request(security_headers)
    app.after_request(confine_docs)
    api = _Api(app)
    app.extensions[API] = api
    app.register_blueprint(docs_assets)
    register_refusals(app, api.handle_http_exception)
    api.spec.components.schema("Envelope", schema=EnvelopeSchema)
    api.register_blueprint(ops)
    for service in services or tuple(BLUEPRINTS):
        for blueprint in BLUEPRINTS[service]:
            api.register_blueprint(blueprint)
    if services is None or "risk" in services:  # the pages: the public site and the console
        from riskgate.entrypoints.web import register_pages

        register_pages(app, system_)
    return app
