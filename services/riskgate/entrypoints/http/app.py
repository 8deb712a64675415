"""The application factory: the services' blueprints, the one error shape, authentication
before any body is read, the security headers and the OpenAPI document at `/openapi.json`."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

from riskgate.bootstrap import System
from riskgate.entrypoints.http.areas import areas
from riskgate.entrypoints.http.audit import audit
from riskgate.entrypoints.http.auth import authenticate_first
from riskgate.entrypoints.http.bounds import BoundedJSON, BoundedRequest
from riskgate.entrypoints.http.citizens import citizens
from riskgate.entrypoints.http.errors import error_payload, register_refusals
from riskgate.entrypoints.http.events import events
from riskgate.entrypoints.http.gatekeeper import gatekeeper
from riskgate.entrypoints.http.ops import ops
from riskgate.entrypoints.http.performance import performance
from riskgate.entrypoints.http.throttle import FailedAuthentications
from riskgate.entrypoints.http.work import commands, work
from riskgate.schemas import EnvelopeSchema, ErrorSchema

BLUEPRINTS: dict[str, tuple[Blueprint, ...]] = {
    "ingest": (events,),
    "risk": (areas, performance),
    "gatekeeper": (gatekeeper, commands, audit),
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
    """flask-smorest's Api with riskgate's ErrorSchema and a message on every error (werkzeug's
    own have none)."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
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
    )
    app.json.sort_keys = False
    app.extensions["riskgate"] = system_
    app.extensions["riskgate.failed_authentications"] = FailedAuthentications(
        system_.settings.auth_failures_per_minute
    )
    app.before_request(authenticate_first)
    app.after_request(security_headers)
    api = _Api(app)
    register_refusals(app, api.handle_http_exception)
    api.spec.components.schema("Envelope", schema=EnvelopeSchema)
    api.register_blueprint(ops)
    for service in services or tuple(BLUEPRINTS):
        for blueprint in BLUEPRINTS[service]:
            api.register_blueprint(blueprint)
    return app
