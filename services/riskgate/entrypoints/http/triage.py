"""The inspectorates' triage of risk-triggered requests: each one's list, confirm and decline."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from riskgate.domain.gatekeeper.triage import STATES
from riskgate.entrypoints.http.answers import Answer
from riskgate.entrypoints.http.auth import INSPECTORATE_ROLES, require_role, requires, system
from riskgate.entrypoints.http.bounds import BoundedBlueprint
from riskgate.entrypoints.http.errors import refusals
from riskgate.schemas import Choice, InspectionTriagedPayload, StrictSchema

# The triage changes the gatekeeper's register, so the gatekeeper service serves it.
triage = BoundedBlueprint(
    "triage",
    __name__,
    url_prefix="/v1",
    description="The owning inspectorate determines the need for a risk-triggered inspection",
)


class TriageQuerySchema(Schema):
    state = fields.String(
        validate=Choice((*STATES, "all")),
        metadata={"description": "in_triage (the default), confirmed, declined, "
                  "auto_confirmed or all."},
    )  # fmt: skip


class TriageDeclineSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class TriageAnswer(Answer, InspectionTriagedPayload):
    """A request in triage: why it was raised, when it is confirmed automatically, and what its
    inspectorate decided."""

    class Meta(StrictSchema.Meta):
        exclude = ("action", "actor")


@triage.route("/inspectorates/<code>/triage")
class InspectorateTriage(MethodView):
    @requires("inspectorate:{code}")
    @triage.arguments(TriageQuerySchema, location="query")
    @triage.response(200, TriageAnswer(many=True))
    @refusals(triage, 401, 403, e403="Not this inspectorate's token (an unknown code has none)")
    def get(self, args: dict[str, Any], code: str) -> list[dict[str, Any]]:
        """The risk-triggered requests waiting for this inspectorate to confirm or decline them,
        oldest first (role: that inspectorate only)."""
        state = args.get("state", "in_triage")
        return system().gatekeeper.triage.items(code, None if state == "all" else state)


@triage.route("/triage/<request_id>/confirm")
class Confirm(MethodView):
    @requires(*INSPECTORATE_ROLES)
    @triage.response(200, TriageAnswer)
    @refusals(
        triage, 401, 403, 404, 409,
        e403="Not the owning inspectorate", e409="The request is not in triage; `errors` names "
        "its state",
    )  # fmt: skip
    def post(self, request_id: str) -> dict[str, Any]:
        """Confirm the need for inspection: the request goes to the gatekeeper now (role: the
        owning inspectorate)."""
        actor = require_role(*INSPECTORATE_ROLES)
        return system().gatekeeper.triage.confirm(request_id, actor=actor)


@triage.route("/triage/<request_id>/decline")
class Decline(MethodView):
    @requires(*INSPECTORATE_ROLES)
    @triage.arguments(TriageDeclineSchema)
    @triage.response(200, TriageAnswer)
    @refusals(
        triage, 401, 403, 404, 409, 413,
        e403="Not the owning inspectorate", e409="The request is not in triage; `errors` names "
        "its state",
    )  # fmt: skip
    def post(self, args: dict[str, Any], request_id: str) -> dict[str, Any]:
        """Decline the need for inspection, with a reason, recorded with the area's judgement
        (role: the owning inspectorate)."""
        actor = require_role(*INSPECTORATE_ROLES)
        return system().gatekeeper.triage.decline(
            request_id, actor=actor, reason=args["reason"]
        )
