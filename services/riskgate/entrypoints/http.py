"""The HTTP API: one application factory, a blueprint per resource.

Views are thin: they check the caller's role, turn the request into a call on
a service and the result into JSON. Every error has one shape:
`{"code", "status", "message", "errors"}` (flask-smorest's), including a body over
RISKGATE_MAX_BODY_BYTES (413) and JSON that is malformed, nested too deep or not valid
Unicode (400 naming the field): every request body is parsed by `limits.loads_bounded`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, NoReturn

from flask import Flask, Request, Response, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from flask_smorest import abort as _abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from riskgate import limits, metrics, topics
from riskgate.bootstrap import System
from riskgate.domain.assessment import area_assessment
from riskgate.domain.vocabulary import INSPECTORATES, THEMES
from riskgate.schemas import (
    INSPECTION_STATUSES,
    AcceptedSchema,
    Choice,
    InspectionRequestedPayload,
    body_code,
)
from riskgate.service_layer.common import envelope, now_on


def refuse_json(error: ValueError) -> NoReturn:
    """A request body that is not acceptable JSON: 400 naming the field and the reason."""
    if isinstance(error, limits.LimitExceeded):
        field, reason = error.field, error.message
    elif isinstance(error, json.JSONDecodeError):
        field = "body"
        reason = f"not JSON: {error.msg} at line {error.lineno} column {error.colno}"
    else:
        field, reason = "body", str(error)
    abort(400, message=f"invalid {field}: {reason}", errors={field: [reason]})


class _BoundedJSON(DefaultJSONProvider):
    """Flask's JSON with bounded parsing: depth is checked before json.loads can recurse."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return limits.loads_bounded(s)


class _Request(Request):
    def get_data(self, *args: Any, **kwargs: Any) -> Any:
        """The body; a chunked one over MAX_CONTENT_LENGTH is refused (413), never cut short."""
        data = super().get_data(*args, **kwargs)
        limit = self.max_content_length
        if limit is not None and self.content_length is None and len(data) >= limit:
            # werkzeug stops reading a chunked body at the limit without saying so; a read
            # past the limit raises RequestEntityTooLarge
            self.stream.read(1)
        return data

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is None:  # not a JSON content type
            return super().on_json_loading_failed(e)
        refuse_json(e)


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # a malformed query is the caller's error, as for bodies

    def _raw_load_json(self, req: Request) -> Any:
        """The JSON body, parsed with the same bounds as every other (webargs' own is not)."""
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        if not data:
            return core.missing  # as webargs: an empty body is no body
        try:
            return limits.loads_bounded(data)
        except ValueError as exc:
            refuse_json(exc)

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
    @events.alt_response(
        413, description="Over RISKGATE_MAX_BODY_BYTES or RISKGATE_MAX_EVENTS_PER_POST"
    )
    def post(self) -> dict[str, Any]:
        """Publish events (role: integrator)."""
        require_role("integrator")
        if not request.is_json:
            abort(400, message="the request body must be JSON: one event object or a list of them")
        body = request.get_json()
        items = body if isinstance(body, list) else [body]
        if not items:
            abort(400, message="the list of events is empty")
        most = system().settings.max_events_per_post
        if len(items) > most:
            reason = (
                f"{len(items)} events in one POST; at most {most} (RISKGATE_MAX_EVENTS_PER_POST)"
            )
            abort(413, message=reason, errors={"body": [reason]})
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
    """A proposal from a Government Office, a department or an inspectorate's own programme."""

    class Meta:
        exclude = ("request_id", "rule_ids", "ruleset_version", "area")

    body = body_code(required=True)
    origin = fields.String(
        required=True,
        validate=Choice(["government_office", "department", "inspectorate_programme"]),
    )


def _proposer_roles(proposal: Mapping[str, Any]) -> tuple[str, ...]:
    """Who may make this proposal: an inspectorate proposes only its own programme's work."""
    if proposal["origin"] == "inspectorate_programme":
        return (f"inspectorate:{proposal['inspectorate']}", "gatekeeper")
    return ("integrator", "gatekeeper")


@gatekeeper.route("/inspection-requests")
class InspectionRequests(MethodView):
    def get(self) -> list[dict[str, Any]]:
        """Every inspection request received, with the decision it got (role: gatekeeper)."""
        require_role("gatekeeper")
        return system().gatekeeper.requests()

    @gatekeeper.arguments(ProposalSchema)
    @gatekeeper.response(202)
    def post(self, proposal: dict[str, Any]) -> dict[str, Any]:
        """Propose an inspection (role: integrator for Government Offices and departments; the
        inspectorate itself for its own programme, with `programme_ground` and `justification`;
        or gatekeeper). The decision follows on `GET /v1/decisions`."""
        role = require_role(*_proposer_roles(proposal))
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
            occurred_at=now_on(sys.settings.clock()),
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
        """Every decision, with policy ids, reasons, ledger figures and any overrides beside it
        (role: gatekeeper)."""
        require_role("gatekeeper")
        return system().gatekeeper.decisions()


class OverrideSchema(Schema):
    outcome = fields.String(
        required=True,
        validate=Choice(["approved", "rejected"]),
        metadata={"description": "approved makes (or revives) the inspection; rejected cancels it"},
    )
    justification = fields.String(
        required=True,
        validate=validate.Length(
            10, 2000, error="a justification of 10 to 2000 characters is required"
        ),
    )
    start = fields.Date(metadata={"description": "approved only: the on-site start staff chose"})


@gatekeeper.route("/decisions/<decision_id>/override")
class Override(MethodView):
    @gatekeeper.arguments(OverrideSchema)
    @gatekeeper.response(201)
    def post(self, args: dict[str, Any], decision_id: str) -> dict[str, Any]:
        """Override a decision with a recorded justification; the original stays beside it
        (role: gatekeeper)."""
        role = require_role("gatekeeper")
        return _lifecycle(
            lambda: system().gatekeeper.override(
                decision_id,
                outcome=args["outcome"],
                justification=args["justification"],
                by=role,
                start=args.get("start"),
            )
        )


class InspectionsQuery(Schema):
    status = fields.String(validate=Choice(INSPECTION_STATUSES))


@gatekeeper.route("/inspections")
class Inspections(MethodView):
    @gatekeeper.arguments(InspectionsQuery, location="query")
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Every inspection at every body, optionally of one status, e.g. the declined ones to
        re-route (role: gatekeeper)."""
        require_role("gatekeeper")
        status = args.get("status")
        return [i for i in system().gatekeeper.inspections() if status in (None, i["status"])]


class RerouteSchema(Schema):
    inspectorate = fields.String(required=True, validate=Choice(tuple(INSPECTORATES)))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


@gatekeeper.route("/inspections/<inspection_id>/reroute")
class Reroute(MethodView):
    @gatekeeper.arguments(RerouteSchema)
    def post(self, args: dict[str, Any], inspection_id: str) -> dict[str, Any]:
        """Give a declined inspection to another inspectorate (role: gatekeeper)."""
        require_role("gatekeeper")
        return _lifecycle(
            lambda: system().gatekeeper.reroute(
                inspection_id, inspectorate=args["inspectorate"], reason=args["reason"]
            )
        )


def _inspectorate_role() -> str:
    """The calling inspectorate's code (401/403 for anyone else)."""
    role = require_role(*(f"inspectorate:{code}" for code in INSPECTORATES))
    return role.split(":", 1)[1]


def _viewer_role() -> None:
    require_role("gatekeeper", *(f"inspectorate:{code}" for code in INSPECTORATES))


class DaySchema(Schema):
    on = fields.Date(metadata={"description": "the day to report on (default: today)"})


@gatekeeper.route("/bodies/<code>/burden")
class Burden(MethodView):
    @gatekeeper.arguments(DaySchema, location="query")
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """A body's burden: inspections, on-site days used and left, the next date that fits
        (role: gatekeeper or any inspectorate)."""
        _viewer_role()
        if system().ingest.area_of(code) is None:
            abort(404, message=f"unknown body {code}")
        return system().gatekeeper.burden(code, args.get("on"))


class ProgrammeSchema(Schema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    inspectorate = fields.String(validate=Choice(tuple(INSPECTORATES)))
    area = body_code()
    theme = fields.String(validate=Choice(THEMES))

    @validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["to"] < data["from_"]:
            raise ValidationError("must not be before from", field_name="to")


@gatekeeper.route("/programme")
class Programme(MethodView):
    @gatekeeper.arguments(ProgrammeSchema, location="query")
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """The national programme: inspections on site between `from` and `to`, filterable by
        inspectorate, area and theme (role: gatekeeper or any inspectorate; unannounced dates
        are not public)."""
        _viewer_role()
        return system().gatekeeper.programme(
            args["from_"],
            args["to"],
            inspectorate=args.get("inspectorate"),
            area=args.get("area"),
            theme=args.get("theme"),
        )


# --- inspectorates' work -------------------------------------------------------------

work = _Blueprint("work", __name__, url_prefix="/v1", description="Work for the inspectorates")


class WorkQuerySchema(Schema):
    status = fields.String(validate=Choice(INSPECTION_STATUSES))


@work.route("/inspectorates/<code>/work")
class InspectorateWork(MethodView):
    @work.arguments(WorkQuerySchema, location="query")
    def get(self, args: dict[str, Any], code: str) -> list[dict[str, Any]]:
        """The inspections assigned to an inspectorate (role: that inspectorate only); a
        cancelled one is no longer work and shows only with `status=cancelled`."""
        if code not in INSPECTORATES:
            abort(404, message=f"unknown inspectorate {code}: one of {', '.join(INSPECTORATES)}")
        require_role(f"inspectorate:{code}")
        status = args.get("status")
        items = system().work.items(code, status)
        return items if status else [i for i in items if i["status"] != "cancelled"]


# The inspectorates' commands change the gatekeeper's register (which re-checks a
# schedule against its policies), so the gatekeeper service serves them.
commands = _Blueprint(
    "inspection-commands",
    __name__,
    url_prefix="/v1",
    description="An inspectorate takes its work from assigned to completed",
)


class DeclineSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class ScheduleSchema(Schema):
    start = fields.Date(required=True, metadata={"description": "first on-site day"})
    on_site_days = fields.Integer(required=True, strict=True, validate=validate.Range(1, 60))


class CompleteSchema(Schema):
    finding = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, 4),
        metadata={"description": "1 inadequate / performs poorly ... 4 outstanding / excellently"},
    )
    summary = fields.String(required=True, validate=validate.Length(1, 2000))


@commands.route("/work/<inspection_id>/accept")
class Accept(MethodView):
    def post(self, inspection_id: str) -> dict[str, Any]:
        """Accept the work (role: an inspectorate taking part)."""
        by = _inspectorate_role()
        return _lifecycle(lambda: system().gatekeeper.accept(inspection_id, by=by))


@commands.route("/work/<inspection_id>/decline")
class Decline(MethodView):
    @commands.arguments(DeclineSchema)
    def post(self, args: dict[str, Any], inspection_id: str) -> dict[str, Any]:
        """Decline the work with a reason; the gatekeeper can re-route it (role: an inspectorate
        taking part)."""
        by = _inspectorate_role()
        return _lifecycle(
            lambda: system().gatekeeper.decline(inspection_id, by=by, reason=args["reason"])
        )


@commands.route("/work/<inspection_id>/schedule")
class Schedule(MethodView):
    @commands.arguments(ScheduleSchema)
    def post(self, args: dict[str, Any], inspection_id: str) -> dict[str, Any]:
        """Set the on-site dates; 409 with the reasons if they break notice, blackout, the burden
        cap or the rest period (role: the lead inspectorate)."""
        by = _inspectorate_role()
        return _lifecycle(
            lambda: system().gatekeeper.schedule(
                inspection_id, by=by, start=args["start"], on_site_days=args["on_site_days"]
            )
        )


@commands.route("/work/<inspection_id>/complete")
class Complete(MethodView):
    @commands.arguments(CompleteSchema)
    def post(self, args: dict[str, Any], inspection_id: str) -> dict[str, Any]:
        """Complete with a finding 1-4 and a summary; the finding goes to the risk rules as an
        `inspection.finding` event (role: the lead inspectorate)."""
        by = _inspectorate_role()
        return _lifecycle(
            lambda: system().gatekeeper.complete(
                inspection_id, by=by, finding=args["finding"], summary=args["summary"]
            )
        )


def _lifecycle(command: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a gatekeeper command; its refusals become 404/403/409/400 naming the reason."""
    from riskgate.domain import errors

    statuses = ((errors.NotFound, 404), (errors.NotAllowed, 403), (errors.Conflict, 409))
    try:
        return command()
    except errors.DomainError as exc:  # Invalid, and any other refusal, is the caller's 400
        status = next((code for kind, code in statuses if isinstance(exc, kind)), 400)
        abort(status, message=exc.message, errors=exc.errors or None)


# --- citizens' triggers ----------------------------------------------------------------

citizens = _Blueprint(
    "citizens",
    __name__,
    url_prefix="/v1",
    description="Petitions and Community Calls for Action (public records)",
)


class CasesQuerySchema(Schema):
    council = body_code(metadata={"description": "the council the calls were made to"})
    status = fields.String(
        validate=Choice(["open", "refused", "resolved", "closed_unresolved", "escalated"])
    )


@citizens.route("/calls-for-action")
class CallsForAction(MethodView):
    @citizens.arguments(CasesQuerySchema, location="query")
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Community Calls for Action with their stage, dates, deadlines and what is overdue
        (public)."""
        return system().citizens.calls_for_action(args.get("council"), args.get("status"))


class PetitionsQuerySchema(Schema):
    council = body_code()


@citizens.route("/petitions")
class Petitions(MethodView):
    @citizens.arguments(PetitionsQuerySchema, location="query")
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """Petitions with their status, debate threshold and any call for action they became
        (public)."""
        return system().citizens.petitions(args.get("council"))


def _jsonable(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in doc.items()}


BLUEPRINTS: dict[str, tuple[Blueprint, ...]] = {
    "ingest": (events,),
    "risk": (areas,),
    "gatekeeper": (gatekeeper, commands),
    "work": (work,),
    "citizens": (citizens,),
}


class _Api(Api):
    """flask-smorest's Api, with a message on every error (werkzeug's own have none)."""

    def handle_http_exception(self, error: HTTPException) -> Any:
        payload, code, headers = super().handle_http_exception(error)
        if isinstance(error, RequestEntityTooLarge) and "errors" not in payload:
            limit = current_app.config["MAX_CONTENT_LENGTH"]
            reason = f"the request body is over {limit} bytes (RISKGATE_MAX_BODY_BYTES)"
            payload.update(message=reason, errors={"body": [reason]})
        payload.setdefault("message", error.description)
        return payload, code, headers


def create_app(system_: System, services: tuple[str, ...] | None = None) -> Flask:
    """The Flask application serving the given services' routes (all by default)."""
    app = Flask("riskgate")
    app.request_class = _Request
    app.json = _BoundedJSON(app)
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
    api = _Api(app)
    from riskgate.schemas import EnvelopeSchema

    api.spec.components.schema("Envelope", schema=EnvelopeSchema)
    api.register_blueprint(ops)
    for service in services or tuple(BLUEPRINTS):
        for blueprint in BLUEPRINTS[service]:
            api.register_blueprint(blueprint)
    return app
