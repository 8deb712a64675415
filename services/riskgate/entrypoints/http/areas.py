"""The public's view: an area's published judgements for a year."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from riskgate.entrypoints.http.answers import Answer
from riskgate.entrypoints.http.auth import VIEWER_ROLES, require_role, system
from riskgate.entrypoints.http.bounds import BoundedBlueprint
from riskgate.entrypoints.http.cycle_answers import ChallengeAnswer, CycleMeta
from riskgate.entrypoints.http.errors import refusals
from riskgate.entrypoints.http.triage import TriageAnswer
from riskgate.schemas import (
    MAX_REF,
    OrganisationalAssessedPayload,
    RiskJudgementPayload,
    StrictSchema,
    body_code,
)
from riskgate.service_layer.cycle import draft_assessment, public_assessment

areas = BoundedBlueprint(
    "areas", __name__, url_prefix="/v1", description="Published judgements (public)"
)


class YearQuery(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class ThemeJudgementAnswer(Answer, RiskJudgementPayload):
    """A theme's flag (or none) with its evidence, rules and narrative; the area and year are
    the assessment's."""

    class Meta(StrictSchema.Meta):
        exclude = ("area", "theme", "year")

    ruleset_version = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Length(max=MAX_REF),
        metadata={"description": "null while no rule has judged the theme"},
    )
    challenges = fields.List(
        fields.Nested(ChallengeAnswer), metadata={"description": "its challenges"}
    )
    triage = fields.List(
        fields.Nested(lambda: TriageAnswer()),
        metadata={"description": "What the owning inspectorate's triage made of the requests "
                  "this theme's red flag raised (declines with their reasons)."},
    )  # fmt: skip


class OrganisationScoreAnswer(Answer, OrganisationalAssessedPayload):
    """A council's organisational assessment, null scores while not yet scored."""

    class Meta(StrictSchema.Meta):
        exclude = ("year",)

    score = fields.Integer(required=True, allow_none=True, validate=validate.Range(1, 4))
    use_of_resources = fields.Integer(allow_none=True, validate=validate.Range(1, 4))
    label = fields.String(required=True, metadata={"description": "The score in words."})
    direction_of_travel = fields.Dict(
        allow_none=True,
        metadata={
            "description": "Direction of Travel (White Paper 6.47), derived from the council's "
            "indicator series: score 1-4, label, evidence, reason; null for a partner body"
        },
    )


class AssessmentAnswer(Answer, CycleMeta):
    """An area's flag per theme and its councils' organisational scores for a year."""

    area = body_code(required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    ruleset_version = fields.String(required=True)
    themes = fields.Dict(
        keys=fields.String(), values=fields.Nested(ThemeJudgementAnswer), required=True
    )
    organisational_themes = fields.Dict(
        keys=fields.String(), values=fields.Nested(ThemeJudgementAnswer), required=True
    )
    organisations = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(OrganisationScoreAnswer),
        required=True,
        metadata={
            "description": "Per body code: the area's councils, and partners (police "
            "authorities, primary care trusts) scored for use of resources."
        },
    )
    laa = fields.Dict(
        metadata={
            "description": "The Local Area Agreement: the version used, targets by status, each "
            "reported target's observed status beside the area's own, and where they disagree"
        }
    )


@areas.route("/areas/<code>/assessment")
class Assessment(MethodView):
    @areas.arguments(YearQuery, location="query")
    @areas.response(200, AssessmentAnswer)
    @refusals(areas, 401, 403, 404, e404="Not an area: areas are upper-tier and unitary councils")
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """An area's flag per theme and its councils' organisational scores for a year: the
        public sees the latest published version (nothing before a cycle's publication day);
        with a token, the area's councils, the inspectorates and the gatekeeper see the
        judgements as they stand, `draft` until publication."""
        if "Authorization" not in request.headers:
            return public_assessment(system(), code, args["year"])
        area = system().reference.areas.get(code)
        councils = tuple(f"council:{m}" for m in area.members) if area else ()
        require_role(*VIEWER_ROLES, *councils)
        return draft_assessment(system(), code, args["year"])
