"""The public's view: an area's published judgements for a year."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from riskgate.entrypoints.http.answers import Answer
from riskgate.entrypoints.http.auth import system
from riskgate.entrypoints.http.bounds import BoundedBlueprint
from riskgate.entrypoints.http.errors import refusals
from riskgate.schemas import (
    MAX_REF,
    OrganisationalAssessedPayload,
    RiskJudgementPayload,
    StrictSchema,
    body_code,
)
from riskgate.service_layer.annual_assessment import assess_area

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


class AssessmentAnswer(Answer):
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
    @refusals(areas, 404, e404="Not an area: areas are upper-tier and unitary councils")
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """An area's flag per theme and its councils' organisational scores for a year (public)."""
        return assess_area(system(), code, args["year"])
