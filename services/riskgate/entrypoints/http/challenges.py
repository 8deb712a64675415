"""The annual cycle: its stages, the published versions, and councils' challenges of
draft flags with the lead inspectorate's decisions."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from riskgate.domain.errors import NotFound
from riskgate.entrypoints.http.auth import authenticated, documents_bearer, system
from riskgate.entrypoints.http.bounds import BoundedBlueprint
from riskgate.entrypoints.http.cycle_answers import ChallengeAnswer, CycleAnswer, VersionAnswer
from riskgate.entrypoints.http.errors import abort, refusals
from riskgate.schemas import EventId, theme_field
from riskgate.service_layer import cycle

cycles = BoundedBlueprint(
    "cycles",
    __name__,
    url_prefix="/v1",
    description="The annual cycle: stages, published versions, challenges of draft flags",
)
# role families checked before a body is read: (endpoint, method) -> the family
_FAMILIES = {
    ("cycles.Challenges", "POST"): ("council",),
    ("cycles.Challenges", "GET"): ("council", "inspectorate", "gatekeeper"),
    ("cycles.Decision", "POST"): ("inspectorate",),
}


@cycles.before_request
def _role_family_first() -> None:
    """401 without a token, 403 for a role outside the view's family, before any body."""
    families = _FAMILIES.get((request.endpoint or "", request.method))
    if families is None:
        return
    actor = authenticated()
    if actor.role.partition(":")[0] not in families:
        needs = " or ".join(f"{f}:<code>" if f != "gatekeeper" else f for f in families)
        abort(403, message=f"role {actor.role} may not do this; needs {needs}")


class YearQuery(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class ChallengeSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    theme = theme_field()
    reason = fields.String(required=True, validate=validate.Length(1, 2000))
    evidence = fields.List(
        EventId(),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "event ids: existing ones, or new events the council published"},
    )


class DecisionSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(cycle.OUTCOMES))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


@cycles.route("/cycles/<int:year>")
class CycleStages(MethodView):
    @cycles.response(200, CycleAnswer)
    @refusals(cycles, 404, e404="The year has no cycle file: it publishes continuously")
    def get(self, year: int) -> dict[str, Any]:
        """An assessment year's stages and the stage today (public)."""
        found = cycle.cycle_for(system(), year)
        if found is None:
            raise NotFound(f"{year} has no cycle file: its judgements are published as made")
        return found.as_document(cycle.today(system()))


@cycles.route("/areas/<code>/versions")
class Versions(MethodView):
    @cycles.arguments(YearQuery, location="query")
    @cycles.response(200, VersionAnswer(many=True))
    @refusals(cycles, 404)
    def get(self, args: dict[str, Any], code: str) -> list[dict[str, Any]]:
        """Every published version of an area's year, each dated, oldest first (public);
        empty before the publication day and for a year with no cycle file."""
        if code not in system().reference.areas:
            raise NotFound(f"unknown area {code}: areas are upper-tier and unitary councils")
        return cycle.versions(system(), code, args["year"])


@cycles.route("/areas/<code>/challenges")
class Challenges(MethodView):
    @cycles.arguments(YearQuery, location="query")
    @cycles.response(200, ChallengeAnswer(many=True))
    @refusals(cycles, 401, 403, 404)
    @documents_bearer("council:<body code>", "inspectorate:<code>", "gatekeeper")
    def get(self, args: dict[str, Any], code: str) -> list[dict[str, Any]]:
        """The challenges of an area's flags for a year (role: a council of the area, an
        inspectorate or the gatekeeper)."""
        s = system()
        if code not in s.reference.areas:
            raise NotFound(f"unknown area {code}: areas are upper-tier and unitary councils")
        if not cycle.may_see_drafts(s, authenticated(), code):
            abort(403, message="only the area's councils, the inspectorates and the gatekeeper")
        return cycle.challenges(s, code, args["year"])

    @cycles.arguments(ChallengeSchema)
    @cycles.response(201, ChallengeAnswer)
    @documents_bearer("council:<body code>")
    @refusals(
        cycles, 400, 401, 403, 404, 409,
        e409="Outside the challenge window (the message gives its dates), another area's "
        "flag, or a theme with no flag",
    )  # fmt: skip
    def post(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """Challenge a draft flag of the council's own area in the challenge window, with a
        reason and evidence (role: council:<body code>)."""
        return cycle.challenge_flag(
            system(),
            authenticated(),
            code,
            year=args["year"],
            theme=args["theme"],
            reason=args["reason"],
            evidence=[str(e) for e in args["evidence"]],
        )


@cycles.route("/challenges/<challenge_id>/decision")
class Decision(MethodView):
    @cycles.arguments(DecisionSchema)
    @cycles.response(200, ChallengeAnswer)
    @documents_bearer("inspectorate:<code>")
    @refusals(cycles, 400, 401, 403, 404, 409, e409="The challenge is already decided")
    def post(self, args: dict[str, Any], challenge_id: str) -> dict[str, Any]:
        """Uphold or reject a challenge, with a reason (role: the lead inspectorate for the
        theme, as rules/routing.yaml names it). An upheld challenge withdraws the flag; the
        outcome and the reasons stay on the judgement."""
        return cycle.decide_challenge(
            system(), authenticated(), challenge_id, outcome=args["outcome"], reason=args["reason"]
        )
