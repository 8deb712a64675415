"""The ladder of support and intervention: cases, the rungs taken, the public's summary."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from riskgate.entrypoints.http.auth import authenticated, documents_bearer, system
from riskgate.entrypoints.http.bounds import BoundedBlueprint
from riskgate.entrypoints.http.cycle_answers import CaseSummaryAnswer, LadderCaseAnswer
from riskgate.entrypoints.http.errors import abort, refusals
from riskgate.schemas import Day, StrictFloat
from riskgate.service_layer import ladder

cases = BoundedBlueprint(
    "ladder",
    __name__,
    url_prefix="/v1",
    description="The ladder of support and intervention (White Paper 6.57-6.71)",
)
CASE_ROLES = ("council", "government_office", "inspectorate", "gatekeeper")
CASE_DOC_ROLES = ("council:<body code>", "government_office:<region>", "inspectorate:<code>", "gatekeeper")


@cases.before_request
def _role_family_first() -> None:
    """401 without a token, 403 for a role that sees no case (or, to take a rung, that
    rules/ladder.yaml lets take none), before any body is read."""
    if request.endpoint == "ladder.AreaLadder":
        return  # the public's summary
    actor = authenticated()
    family = actor.role.partition(":")[0]
    if request.endpoint == "ladder.Rungs":
        takers = sorted(
            {f for r in ladder.load_ladder(system().settings.rules_dir).rungs for f in r.by}
        )
        if family not in takers:
            abort(403, message=f"role {actor.role} may take no rung; needs {' or '.join(takers)}")
    if family not in CASE_ROLES:
        abort(
            403,
            message=f"role {actor.role} may not see ladder cases; needs council:<code>, "
            "government_office:<region>, inspectorate:<code> or gatekeeper",
        )


class MilestoneSchema(Schema):
    indicator = fields.String(required=True, validate=validate.Length(1, 16))
    value = StrictFloat(required=True)
    by = Day(required=True, metadata={"description": "the date by which the value is due"})


class RungSchema(Schema):
    rung = fields.String(required=True, validate=validate.Length(1, 64))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    out_of_order_reason = fields.String(
        validate=validate.Length(1, 2000),
        metadata={"description": "why a rung is skipped (or gone back to); without it, 409"},
    )
    milestones = fields.List(
        fields.Nested(MilestoneSchema),
        validate=validate.Length(max=50),
        metadata={"description": "an Improvement Notice's milestones (that rung only)"},
    )


@cases.route("/ladder/cases")
class Cases(MethodView):
    @cases.response(200, LadderCaseAnswer(many=True))
    @refusals(cases, 401, 403)
    @documents_bearer(*CASE_DOC_ROLES)
    def get(self) -> list[dict[str, Any]]:
        """The cases the caller may see (role: the body's council, the area's Government
        Office, an inspectorate or the gatekeeper), milestones checked against the data."""
        return ladder.cases(system(), authenticated())


@cases.route("/ladder/cases/<case_id>")
class Case(MethodView):
    @cases.response(200, LadderCaseAnswer)
    @refusals(cases, 401, 403, 404)
    @documents_bearer(*CASE_DOC_ROLES)
    def get(self, case_id: str) -> dict[str, Any]:
        """One case, milestones checked against the indicator data so far."""
        return ladder.case(system(), authenticated(), case_id)


@cases.route("/ladder/cases/<case_id>/rungs")
class Rungs(MethodView):
    @cases.arguments(RungSchema)
    @cases.response(201, LadderCaseAnswer)
    @documents_bearer("government_office:<region>", "gatekeeper")
    @refusals(
        cases, 400, 401, 403, 404, 409,
        e400="A field is invalid, or a milestone names an unknown indicator",
        e409="Out of order without `out_of_order_reason`; the message names the allowed next rung",
    )  # fmt: skip
    def post(self, args: dict[str, Any], case_id: str) -> dict[str, Any]:
        """Take a rung, with reasons (roles per rules/ladder.yaml). `inspection` proposes an
        inspection to the gatekeeper; `improvement_notice` carries milestones."""
        return ladder.take_rung(
            system(),
            authenticated(),
            case_id,
            rung=args["rung"],
            reason=args["reason"],
            out_of_order_reason=args.get("out_of_order_reason"),
            milestones=args.get("milestones"),
        )


@cases.route("/areas/<code>/ladder")
class AreaLadder(MethodView):
    @cases.response(200, CaseSummaryAnswer(many=True))
    @refusals(cases, 404)
    def get(self, code: str) -> list[dict[str, Any]]:
        """The public's view of an area's ladder cases: body, theme, rung and since when."""
        return ladder.public_summaries(system(), code)
