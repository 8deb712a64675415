"""The areas and their councils (public), so that the public need not know the codes already."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from riskgate.domain.reference import Area, Reference, load_reference
from riskgate.entrypoints.http.answers import Answer
from riskgate.entrypoints.http.auth import system
from riskgate.entrypoints.http.bounds import BoundedBlueprint, Page
from riskgate.schemas import MAX_NAME, Choice, body_code

REGIONS = tuple(sorted({area.region for area in load_reference().areas.values()}))

area_directory = BoundedBlueprint(
    "area-directory",
    __name__,
    url_prefix="/v1",
    description="The Local Area Agreement areas and their councils (public)",
)


class AreasQuery(Schema):
    q = fields.String(
        validate=validate.Length(1, MAX_NAME),
        metadata={
            "description": "only areas whose code, name or a council's name contains this "
            "(any case), e.g. `hampshire` or `E10000014`"
        },
    )
    region = fields.String(validate=Choice(REGIONS), metadata={"description": "only this region"})


class CouncilAnswer(Answer):
    code = body_code(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "county, district, unitary, ..."})


class AreaAnswer(Answer):
    """An area: its lead council's code and name, its region, and its councils, lead first."""

    code = body_code(required=True, metadata={"description": "The lead council's code."})
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "The lead council's kind."})
    region = fields.String(required=True)
    councils = fields.List(fields.Nested(CouncilAnswer), required=True)


def _answer(area: Area, reference: Reference) -> dict[str, Any]:
    councils = [reference.councils[code] for code in area.members]
    return {
        "code": area.code,
        "name": area.name,
        "kind": area.kind,
        "region": area.region,
        "councils": [{"code": c.code, "name": c.name, "kind": c.kind} for c in councils],
    }


def _matches(answer: dict[str, Any], q: str | None, region: str | None) -> bool:
    if region is not None and answer["region"] != region:
        return False
    if q is None:
        return True
    words = [answer["code"], answer["name"], *(c["name"] for c in answer["councils"])]
    return any(q.casefold() in word.casefold() for word in words)


@area_directory.route("/areas")
class Areas(MethodView):
    @area_directory.arguments(AreasQuery, location="query")
    @area_directory.response(200, AreaAnswer(many=True))
    @area_directory.paginate(Page)
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """The areas, by code, each with its councils; a page at a time, searchable by code or
        name (`q`) and filterable by region (public)."""
        reference = system().reference
        answers = (_answer(area, reference) for area in reference.areas.values())
        return [a for a in answers if _matches(a, args.get("q"), args.get("region"))]
