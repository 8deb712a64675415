"""The gatekeeper's register: proposals and their decisions, overrides, inspections, the burden
on a body and the national programme."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from riskgate.domain.vocabulary import INSPECTORATES, THEMES
from riskgate.entrypoints.http.answers import (
    Answer,
    InspectionAnswer,
    RequestIdAnswer,
    actor_answer,
)
from riskgate.entrypoints.http.auth import (
    INSPECTORATE_ROLES,
    VIEWER_ROLES,
    require_role,
    requires,
    system,
)
from riskgate.entrypoints.http.bounds import BoundedBlueprint, Page
from riskgate.entrypoints.http.errors import abort, refusals
from riskgate.entrypoints.http.lists import PlaceFilters, kept, since_filter
from riskgate.schemas import (
    DECISION_OUTCOMES,
    INSPECTION_STATUSES,
    MAX_SOURCE,
    Choice,
    Day,
    GatekeeperDecisionPayload,
    GatekeeperOverridePayload,
    InspectionRequestedPayload,
    OffsetDateTime,
    StrictSchema,
    body_code,
)
from riskgate.service_layer.proposals import propose_inspection

# An inspection's inspectorate is its lead's.
LEAD = {"inspectorate": "lead_inspectorate"}

gatekeeper = BoundedBlueprint(
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


class RequestAnswer(Answer, InspectionRequestedPayload):
    """A request as received, with who sent it, when, and the decision it got."""

    body = body_code(required=True)
    received_at = OffsetDateTime(required=True)
    request_event_id = fields.String(required=True)
    source = fields.String(required=True, validate=validate.Length(1, MAX_SOURCE))
    decision_id = fields.String(metadata={"description": "Once decided."})


class OverrideAnswer(Answer, GatekeeperOverridePayload):
    """Staff's override of a decision, with the inspection as it leaves it."""

    body = body_code(metadata={"description": "The body inspected (in the register's record)."})
    inspection = fields.Nested(InspectionAnswer, required=True, allow_none=True)  # type: ignore[assignment]
    actor = actor_answer()


class DecisionAnswer(Answer, GatekeeperDecisionPayload):
    """A decision with its policy ids, reasons and ledger figures, and any overrides beside it."""

    class Meta(StrictSchema.Meta):
        exclude = ("request", "inspection")

    body = body_code(required=True)
    decided_at = OffsetDateTime(required=True)
    actor = actor_answer()
    overrides = fields.List(fields.Nested(OverrideAnswer), required=True)


class VisitAnswer(Answer):
    inspection_id = fields.String(required=True)
    status = fields.String(required=True, validate=Choice(INSPECTION_STATUSES))
    lead_inspectorate = fields.String(required=True, validate=Choice(tuple(INSPECTORATES)))
    themes = fields.List(fields.String(), required=True)
    on_site_start = Day(required=True)
    on_site_end = Day(required=True)
    on_site_days = fields.Integer(required=True)


def _days(description: str) -> fields.Integer:
    return fields.Integer(required=True, allow_none=True, metadata={"description": description})


class BurdenAnswer(Answer):
    """A body's burden ledger on a day; a figure is null where no policy sets it."""

    body = body_code(required=True)
    on_day = Day(required=True)
    open_inspections = fields.Integer(required=True)
    on_site_days_used_12m = fields.Integer(required=True)
    on_site_days_planned = fields.Integer(required=True)
    on_site_days_cap = _days("GK-CAP's on-site days in twelve months")
    open_at_once_cap = _days("GK-CAP's inspections open at once")
    last_visit_end = Day(required=True, allow_none=True)
    org_score = fields.Integer(required=True, allow_none=True, validate=validate.Range(1, 4))
    open_inspection_ids = fields.List(fields.String(), required=True)
    on_site_days_left = _days("the cap less the days used and planned")
    min_gap_days = _days("GK-REST's days between visits")
    typical_on_site_days = fields.Integer(required=True)
    next_date_that_fits = Day(required=True, allow_none=True)
    visits = fields.List(fields.Nested(VisitAnswer), required=True)
    policy_version = fields.String(required=True)


def _proposer_roles(proposal: Mapping[str, Any]) -> tuple[str, ...]:
    """Who may make this proposal: an inspectorate proposes only its own programme's work."""
    if proposal["origin"] == "inspectorate_programme":
        return (f"inspectorate:{proposal['inspectorate']}", "gatekeeper")
    return ("integrator", "gatekeeper")


class RequestsQuery(PlaceFilters):
    since = since_filter("received")


@gatekeeper.route("/inspection-requests")
class InspectionRequests(MethodView):
    @requires("gatekeeper")
    @gatekeeper.arguments(RequestsQuery, location="query")
    @gatekeeper.response(200, RequestAnswer(many=True))
    @gatekeeper.paginate(Page)
    @refusals(gatekeeper, 401, 403)
    def get(self, args: dict[str, Any]) -> list[Any]:
        """The inspection requests received, oldest first, with the decision each got; a page
        at a time, filterable by area, body, inspectorate, theme and `since` (role:
        gatekeeper)."""
        return kept(system().gatekeeper.requests(), args, since="received_at")

    @requires("integrator", "gatekeeper", *INSPECTORATE_ROLES)  # narrowed by the proposal
    @gatekeeper.arguments(ProposalSchema)
    @gatekeeper.response(202, RequestIdAnswer)
    @refusals(gatekeeper, 401, 403, 413)
    def post(self, proposal: dict[str, Any]) -> dict[str, Any]:
        """Propose an inspection (role: integrator for Government Offices and departments; the
        inspectorate itself for its own programme, with `programme_ground` and `justification`;
        or gatekeeper). The decision follows on `GET /v1/decisions`."""
        actor = require_role(*_proposer_roles(proposal))
        sys = system()
        request_id = propose_inspection(
            proposal,
            actor.role,
            sys.clock,
            area_of=sys.ingest.area_of,
            publisher=sys.bus.publisher(),
        )
        return {"request_id": request_id}


class DecisionsQuery(PlaceFilters):
    outcome = fields.String(
        validate=Choice(DECISION_OUTCOMES), metadata={"description": "only this outcome"}
    )
    since = since_filter("decided")


@gatekeeper.route("/decisions")
class Decisions(MethodView):
    @requires("gatekeeper")
    @gatekeeper.arguments(DecisionsQuery, location="query")
    @gatekeeper.response(200, DecisionAnswer(many=True))
    @gatekeeper.paginate(Page)
    @refusals(gatekeeper, 401, 403)
    def get(self, args: dict[str, Any]) -> list[Any]:
        """The decisions, oldest first, with policy ids, reasons, ledger figures and any
        overrides beside them; a page at a time, filterable by area, body, inspectorate, theme,
        outcome and `since` (role: gatekeeper)."""
        return kept(system().gatekeeper.decisions(), args, since="decided_on")


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
    @requires("gatekeeper")
    @gatekeeper.arguments(OverrideSchema)
    @gatekeeper.response(201, OverrideAnswer)
    @refusals(gatekeeper, 401, 403, 404, 409, 413)
    def post(self, args: dict[str, Any], decision_id: str) -> dict[str, Any]:
        """Override a decision with a recorded justification; the original stays beside it
        (role: gatekeeper)."""
        actor = require_role("gatekeeper")
        return system().gatekeeper.override(
            decision_id,
            outcome=args["outcome"],
            justification=args["justification"],
            actor=actor,
            start=args.get("start"),
        )


class InspectionsQuery(PlaceFilters):
    status = fields.String(validate=Choice(INSPECTION_STATUSES))


@gatekeeper.route("/inspections")
class Inspections(MethodView):
    @requires("gatekeeper")
    @gatekeeper.arguments(InspectionsQuery, location="query")
    @gatekeeper.response(200, InspectionAnswer(many=True))
    @gatekeeper.paginate(Page)
    @refusals(gatekeeper, 401, 403)
    def get(self, args: dict[str, Any]) -> list[Any]:
        """The inspections at every body, a page at a time, filterable by status (e.g. the
        declined ones to re-route), area, body, lead inspectorate and theme (role:
        gatekeeper)."""
        return kept(system().gatekeeper.inspections(), args, keys=LEAD)


class RerouteSchema(Schema):
    inspectorate = fields.String(required=True, validate=Choice(tuple(INSPECTORATES)))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


@gatekeeper.route("/inspections/<inspection_id>/reroute")
class Reroute(MethodView):
    @requires("gatekeeper")
    @gatekeeper.arguments(RerouteSchema)
    @gatekeeper.response(200, InspectionAnswer)
    @refusals(gatekeeper, 401, 403, 404, 409, 413)
    def post(self, args: dict[str, Any], inspection_id: str) -> dict[str, Any]:
        """Give a declined inspection to another inspectorate (role: gatekeeper)."""
        actor = require_role("gatekeeper")
        return system().gatekeeper.reroute(
            inspection_id, inspectorate=args["inspectorate"], reason=args["reason"], actor=actor
        )


class DaySchema(Schema):
    on = fields.Date(metadata={"description": "the day to report on (default: today)"})


@gatekeeper.route("/bodies/<code>/burden")
class Burden(MethodView):
    @requires(*VIEWER_ROLES)
    @gatekeeper.arguments(DaySchema, location="query")
    @gatekeeper.response(200, BurdenAnswer)
    @refusals(gatekeeper, 401, 403, 404)
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """A body's burden: inspections, on-site days used and left, the next date that fits
        (role: gatekeeper or any inspectorate)."""
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
    @requires(*VIEWER_ROLES)
    @gatekeeper.arguments(ProgrammeSchema, location="query")
    @gatekeeper.response(200, InspectionAnswer(many=True))
    @gatekeeper.paginate(Page)
    @refusals(gatekeeper, 401, 403)
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """The national programme: inspections on site between `from` and `to`, filterable by
        inspectorate, area and theme (role: gatekeeper or any inspectorate; unannounced dates
        are not public)."""
        return system().gatekeeper.programme(
            args["from_"],
            args["to"],
            inspectorate=args.get("inspectorate"),
            area=args.get("area"),
            theme=args.get("theme"),
        )
