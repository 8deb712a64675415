"""The HTTP API: one application factory, a blueprint per resource.

Views are thin: they check the caller's role, turn the request into a call on
a service and the result into JSON. Every error has one shape:
`{"code", "status", "message", "errors"}` (flask-smorest's).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, NoReturn

from flask import Flask, Response, current_app, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from flask_smorest import abort as _abort
from marshmallow import Schema, ValidationError, fields, validate
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from webargs.flaskparser import FlaskParser

from riskgate import metrics, topics
from riskgate.bootstrap import System
from riskgate.domain.assessment import area_assessment
from riskgate.domain.vocabulary import INSPECTORATES
from riskgate.schemas import AcceptedSchema, InspectionRequestedPayload, body_code
from riskgate.service_layer.common import envelope


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # a malformed query is the caller's error, as for bodies

    def handle_error(
        self,
        error: ValidationError,
        req: Any,
        schema: Any,
        *,
        error_status_code: int | None,
        error_headers: Mapping[str, str] | None,
    ) -> NoReturn:
        """Validation errors in the one error shape, with a message naming the fields."""
        where = (
            next(iter(error.messages), "request") if isinstance(error.messages, dict) else "request"
        )
        fields_ = (
            error.messages.get(where, error.messages) if isinstance(error.messages, dict) else {}
        )
        names = ", ".join(sorted(fields_)) if isinstance(fields_, dict) else where
        abort(
            error_status_code or self.DEFAULT_VALIDATION_STATUS,
            message=f"invalid {where}: {names}",
            errors=error.messages,
            headers=error_headers,
        )


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


def abort(status: int, **details: Any) -> NoReturn:
    """Stop the request with the one JSON error shape (flask-smorest's abort, typed as final)."""
    _abort(status, **details)
    raise AssertionError("unreachable: abort raises")


def system() -> System:
    return current_app.extensions["riskgate"]


def require_role(*allowed: str) -> str:
    """The caller's role from its bearer token; 401 without a valid token, 403 for the wrong role."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(
            401,
            message="missing bearer token: send `Authorization: Bearer <token>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    role = system().tokens.role_of(token.strip())
    if role is None:
        abort(401, message="invalid bearer token", headers={"WWW-Authenticate": "Bearer"})
    if role not in allowed:
        abort(403, message=f"role {role} may not do this; needs {' or '.join(allowed)}")
    return role


# --- operators -----------------------------------------------------------------

ops = _Blueprint("ops", __name__, description="Health and metrics for operators")


@ops.route("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@ops.route("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """The process can reach its store and its consumers are not stuck."""
    sys = system()
    problems = {name: loop.last_error for name, loop in sys.loops.items() if loop.last_error}
    if not sys.store.ping():
        problems["store"] = "store unreachable"
    body = {
        "status": "ready" if not problems else "not ready",
        "problems": problems,
        "ruleset_version": sys.rules.current().version,
        "embedded": sys.settings.embedded,
    }
    return body, 200 if not problems else 503


@ops.route("/metrics")
def metrics_text() -> Response:
    """Prometheus metrics."""
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


# --- ingest ----------------------------------------------------------------------

events = _Blueprint("events", __name__, url_prefix="/v1", description="Integrators publish events")


@events.route("/events")
class Events(MethodView):
    @events.doc(
        requestBody={
            "required": True,
            "description": "One event or a list of events (see contracts/v1). A list is accepted all or nothing.",
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Envelope"},
                            {"type": "array", "items": {"$ref": "#/components/schemas/Envelope"}},
                        ]
                    }
                }
            },
        },
        security=[{"bearer": []}],
    )
    @events.response(202, AcceptedSchema)
    @events.alt_response(400, description="Validation errors per item, naming the field and reason")
    def post(self) -> dict[str, Any]:
        """Publish events (role: integrator)."""
        require_role("integrator")
        body = request.get_json(silent=True)
        if body is None:
            abort(400, message="the request body must be JSON: one event object or a list of them")
        items = body if isinstance(body, list) else [body]
        if not items:
            abort(400, message="the list of events is empty")
        result = system().ingest.submit(items)
        if result.errors:
            metrics.EVENTS_REJECTED.inc()
            errors = {str(i): e for i, e in result.errors.items()}
            if not isinstance(body, list):
                errors = result.errors[0]
            abort(
                400,
                message=f"{len(result.errors)} of {len(items)} events are invalid; none was accepted",
                errors=errors,
            )
        for event_type, count in result.accepted_types.items():
            metrics.EVENTS_ACCEPTED.labels(event_type).inc(count)
        return {"accepted": result.accepted, "duplicates": result.duplicates}


# --- public judgements -------------------------------------------------------------

areas = _Blueprint("areas", __name__, url_prefix="/v1", description="Published judgements (public)")


class YearQuery(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


@areas.route("/areas/<code>/assessment")
class Assessment(MethodView):
    @areas.arguments(YearQuery, location="query")
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """An area's flag per theme and its councils' organisational scores for a year (public)."""
        sys = system()
        area = sys.reference.areas.get(code)
        if area is None:
            abort(404, message=f"unknown area {code}: areas are upper-tier and unitary councils")
        year = args["year"]
        return area_assessment(
            area,
            year,
            sys.risk.assessment(code, year),
            sys.risk.organisations(year),
            sys.rules.current().version,
        )


# --- gatekeeper --------------------------------------------------------------------

gatekeeper = _Blueprint(
    "gatekeeper", __name__, url_prefix="/v1", description="The gatekeeper's register"
)


class ProposalSchema(InspectionRequestedPayload):
    """A proposal from a Government Office or department; ids and origin are filled in."""

    class Meta:
        exclude = ("request_id", "rule_ids", "ruleset_version", "area")

    body = body_code(required=True)
    origin = fields.String(
        required=True, validate=validate.OneOf(["government_office", "department"])
    )


@gatekeeper.route("/inspection-requests")
class InspectionRequests(MethodView):
    def get(self) -> list[dict[str, Any]]:
        """Every inspection request received, with the decision it got (role: gatekeeper)."""
        require_role("gatekeeper")
        return system().gatekeeper.requests()

    @gatekeeper.arguments(ProposalSchema)
    @gatekeeper.response(202)
    def post(self, proposal: dict[str, Any]) -> dict[str, Any]:
        """Propose an inspection (role: integrator for Government Offices and departments, or gatekeeper)."""
        role = require_role("integrator", "gatekeeper")
        sys = system()
        body = proposal.pop("body")
        area = sys.ingest.area_of(body)
        if area is None:
            abort(400, message="unknown body", errors={"body": [f"unknown body {body}"]})
        request_id = str(uuid.uuid4())
        payload = {**_jsonable(proposal), "request_id": request_id, "area": area}
        message = envelope(
            event_id=request_id,
            type="inspection.requested",
            occurred_at=datetime.now(UTC).isoformat(),
            source=f"api:{role}",
            body=body,
            payload=payload,
        )
        publisher = sys.bus.publisher()
        publisher.publish(topics.REQUESTS, area, message)
        publisher.flush()
        return {"request_id": request_id}


@gatekeeper.route("/decisions")
class Decisions(MethodView):
    def get(self) -> list[dict[str, Any]]:
        """Every decision, with policy ids, reasons and ledger figures (role: gatekeeper)."""
        require_role("gatekeeper")
        return system().gatekeeper.decisions()


# --- inspectorates' work -------------------------------------------------------------

work = _Blueprint("work", __name__, url_prefix="/v1", description="Work for the inspectorates")


@work.route("/inspectorates/<code>/work")
class InspectorateWork(MethodView):
    def get(self, code: str) -> list[dict[str, Any]]:
        """The inspections assigned to an inspectorate (role: that inspectorate only)."""
        if code not in INSPECTORATES:
            abort(404, message=f"unknown inspectorate {code}: one of {', '.join(INSPECTORATES)}")
        require_role(f"inspectorate:{code}")
        return system().work.items(code)


def _jsonable(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in doc.items()}


BLUEPRINTS = {
    "ingest": (events,),
    "risk": (areas,),
    "gatekeeper": (gatekeeper,),
    "work": (work,),
}


def create_app(system_: System, services: tuple[str, ...] | None = None) -> Flask:
    """The Flask application serving the given services' routes (all by default)."""
    app = Flask("riskgate")
    app.config.update(
        API_TITLE="riskgate",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
        },
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["riskgate"] = system_
    api = Api(app)
    from riskgate.schemas import EnvelopeSchema

    api.spec.components.schema("Envelope", schema=EnvelopeSchema)
    api.register_blueprint(ops)
    for service in services or tuple(BLUEPRINTS):
        for blueprint in BLUEPRINTS[service]:
            api.register_blueprint(blueprint)
    return app
