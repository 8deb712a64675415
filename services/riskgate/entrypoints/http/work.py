"""The inspectorates' work: each one's list, and its commands from assigned to completed."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from riskgate.entrypoints.http.answers import InspectionAnswer
from riskgate.entrypoints.http.auth import (
    INSPECTORATE_ROLES,
    require_role,
    requires,
    system,
)
from riskgate.entrypoints.http.bounds import BoundedBlueprint, Page
from riskgate.entrypoints.http.errors import refusals
from riskgate.entrypoints.http.lists import area_filter, body_filter, kept, theme_filter
from riskgate.schemas import INSPECTION_STATUSES, Choice

work = BoundedBlueprint(
    "work", __name__, url_prefix="/v1", description="Work for the inspectorates"
)


class WorkQuerySchema(Schema):
    status = fields.String(validate=Choice(INSPECTION_STATUSES))
    area = area_filter()
    body = body_filter()
    theme = theme_filter()


@work.route("/inspectorates/<code>/work")
class InspectorateWork(MethodView):
    @requires("inspectorate:{code}")
    @work.arguments(WorkQuerySchema, location="query")
    @work.response(200, InspectionAnswer(many=True))
    @work.paginate(Page)
    @refusals(work, 401, 403, e403="Not this inspectorate's token (an unknown code has none)")
    def get(self, args: dict[str, Any], code: str) -> list[Any]:
        """The inspections assigned to an inspectorate, a page at a time, filterable by status,
        area, body and theme (role: that inspectorate only); a cancelled one is no longer work
        and shows only with `status=cancelled`."""
        status = args.get("status")
        items = system().work.items(code, status)
        current = items if status else [i for i in items if i["status"] != "cancelled"]
        return kept(current, args)


# The inspectorates' commands change the gatekeeper's register (which re-checks a
# schedule against its policies), so the gatekeeper service serves them.
commands = BoundedBlueprint(
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
    @requires(*INSPECTORATE_ROLES)
    @commands.response(200, InspectionAnswer)
    @refusals(commands, 400, 401, 403, 404, 409, e400="An unknown query parameter, named in `errors`")
    def post(self, inspection_id: str) -> dict[str, Any]:
        """Accept the work (role: an inspectorate taking part)."""
        actor = require_role(*INSPECTORATE_ROLES)
        return system().gatekeeper.accept(inspection_id, actor=actor)


@commands.route("/work/<inspection_id>/decline")
class Decline(MethodView):
    @requires(*INSPECTORATE_ROLES)
    @commands.arguments(DeclineSchema)
    @commands.response(200, InspectionAnswer)
    @refusals(commands, 401, 403, 404, 409, 413)
    def post(self, args: dict[str, Any], inspection_id: str) -> dict[str, Any]:
        """Decline the work with a reason; the gatekeeper can re-route it (role: an inspectorate
        taking part)."""
        actor = require_role(*INSPECTORATE_ROLES)
        return system().gatekeeper.decline(inspection_id, actor=actor, reason=args["reason"])


@commands.route("/work/<inspection_id>/schedule")
class Schedule(MethodView):
    @requires(*INSPECTORATE_ROLES)
    @commands.arguments(ScheduleSchema)
    @commands.response(200, InspectionAnswer)
    @refusals(
        commands,
        401,
        403,
        404,
        409,
        413,
        e409="The dates break notice, blackout, the burden cap or the rest period; "
        "`errors` gives the reasons",
    )
    def post(self, args: dict[str, Any], inspection_id: str) -> dict[str, Any]:
        """Set the on-site dates; 409 with the reasons if they break notice, blackout, the burden
        cap or the rest period (role: the lead inspectorate)."""
        actor = require_role(*INSPECTORATE_ROLES)
        return system().gatekeeper.schedule(
            inspection_id, actor=actor, start=args["start"], on_site_days=args["on_site_days"]
        )


@commands.route("/work/<inspection_id>/complete")
class Complete(MethodView):
    @requires(*INSPECTORATE_ROLES)
    @commands.arguments(CompleteSchema)
    @commands.response(200, InspectionAnswer)
    @refusals(commands, 401, 403, 404, 409, 413)
    def post(self, args: dict[str, Any], inspection_id: str) -> dict[str, Any]:
        """Complete with a finding 1-4 and a summary; the finding goes to the risk rules as an
        `inspection.finding` event (role: the lead inspectorate)."""
        actor = require_role(*INSPECTORATE_ROLES)
        return system().gatekeeper.complete(
            inspection_id, actor=actor, finding=args["finding"], summary=args["summary"]
        )
