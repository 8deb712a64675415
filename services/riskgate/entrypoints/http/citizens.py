"""Citizens' triggers, public: Community Calls for Action and petitions, with their stages."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from riskgate.entrypoints.http.answers import Answer
from riskgate.entrypoints.http.auth import system
from riskgate.entrypoints.http.bounds import BoundedBlueprint, Page
from riskgate.entrypoints.http.lists import area_filter, kept, since_filter
from riskgate.schemas import (
    CCFA_COMMITTEES,
    MAX_NAME,
    MAX_REF,
    CcfaRaisedPayload,
    Choice,
    Day,
    PetitionSubmittedPayload,
    StrictSchema,
    body_code,
)

CASE_STATUSES = ("open", "refused", "resolved", "closed_unresolved", "escalated")

citizens = BoundedBlueprint(
    "citizens",
    __name__,
    url_prefix="/v1",
    description="Petitions and Community Calls for Action (public records)",
)


def _ref_or_none(description: str) -> fields.String:
    return fields.String(
        required=True,
        allow_none=True,
        validate=validate.Length(max=MAX_REF),
        metadata={"description": description},
    )


def _records(description: str, **kwargs: Any) -> fields.List:
    return fields.List(
        fields.Dict(keys=fields.String()), metadata={"description": description}, **kwargs
    )


class CaseAnswer(Answer, CcfaRaisedPayload):
    """A call for action as the public sees it: its stage, dates, deadlines and what is overdue."""

    class Meta(StrictSchema.Meta):
        exclude = ("issue_ref", "suspected", "informal_resolution_tried")

    council = body_code(required=True)
    area = body_code(required=True)
    # null on an area-wide case opened by a petition rather than by a councillor
    councillor_ref = _ref_or_none("The councillor's pseudonymous reference")
    ward = fields.String(required=True, allow_none=True, validate=validate.Length(max=MAX_NAME))
    area_wide = fields.Boolean(required=True)
    stage = fields.String(required=True)
    status = fields.String(required=True, validate=Choice(CASE_STATUSES))
    committee = fields.String(required=True, allow_none=True, validate=Choice(CCFA_COMMITTEES))
    dates = fields.Dict(
        keys=fields.String(),
        values=Day(allow_none=True),
        required=True,
        metadata={"description": "raised, referred, recommended, published, concluded, "
                  "escalated: the day each happened, or null"},
    )  # fmt: skip
    deadlines = _records("Each statutory deadline, when it was met or whether it is overdue")
    overdue = _records("The deadlines passed unmet")
    next_due = Day(required=True, allow_none=True)
    refusal = fields.Dict(keys=fields.String(), required=True, allow_none=True)
    escalation = fields.Dict(keys=fields.String(), required=True, allow_none=True)


class PetitionAnswer(Answer, PetitionSubmittedPayload):
    """A petition with its status, debate threshold and any call for action it became."""

    council = body_code(required=True)
    area = body_code(required=True)
    submitted_on = Day(required=True)
    status = fields.String(required=True, validate=validate.Length(max=MAX_REF))
    debate_threshold = fields.Integer(required=True)
    debate_required = fields.Boolean(required=True)
    area_wide_threshold = fields.Integer(required=True)
    area_wide = fields.Boolean(required=True)
    area_case_ref = _ref_or_none("The area-wide case it opened, if any")
    responded_on = Day(required=True, allow_none=True)
    debate_on = Day(required=True, allow_none=True)
    outcome = fields.String(required=True, allow_none=True, validate=validate.Length(max=MAX_NAME))
    ccfa_case_ref = _ref_or_none("The call for action it became, if any")
    history = _records("Each change of status, with its reasons", required=True)
    evidence = fields.List(fields.String(), required=True)


class CasesQuerySchema(Schema):
    council = body_code(metadata={"description": "the council the calls were made to"})
    status = fields.String(validate=Choice(CASE_STATUSES))
    area = area_filter()


@citizens.route("/calls-for-action")
class CallsForAction(MethodView):
    @citizens.arguments(CasesQuerySchema, location="query")
    @citizens.response(200, CaseAnswer(many=True))
    @citizens.paginate(Page)
    def get(self, args: dict[str, Any]) -> list[Any]:
        """Community Calls for Action with their stage, dates, deadlines and what is overdue; a
        page at a time, filterable by council, status and area (public)."""
        cases = system().citizens.calls_for_action(args.get("council"), args.get("status"))
        return kept(cases, args)


class PetitionsQuerySchema(Schema):
    council = body_code()
    area = area_filter()
    since = since_filter("submitted")


@citizens.route("/petitions")
class Petitions(MethodView):
    @citizens.arguments(PetitionsQuerySchema, location="query")
    @citizens.response(200, PetitionAnswer(many=True))
    @citizens.paginate(Page)
    def get(self, args: dict[str, Any]) -> list[Any]:
        """Petitions with their status, debate threshold and any call for action they became;
        a page at a time, filterable by council, area and `since` (public)."""
        return kept(system().citizens.petitions(args.get("council")), args, since="submitted_on")
