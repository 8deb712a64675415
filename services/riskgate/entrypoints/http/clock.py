"""The clock the services read today from (service_layer/clock.py): anyone may see it; a
gatekeeper may move the embedded default's clock forward."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from riskgate.entrypoints.http.answers import Answer
from riskgate.entrypoints.http.auth import require_role, requires, system
from riskgate.entrypoints.http.bounds import BoundedBlueprint
from riskgate.entrypoints.http.errors import refusals
from riskgate.schemas import Day

clock = BoundedBlueprint(
    "clock", __name__, url_prefix="/v1", description="Today, as the services see it"
)


class ClockAnswer(Answer):
    today = Day(required=True, metadata={"description": "Today, YYYY-MM-DD."})
    set_by = fields.String(
        required=True,
        metadata={"description": "RISKGATE_TODAY, sample, advanced (by a gatekeeper) or real date"},
    )
    by = fields.String(
        required=True, allow_none=True, metadata={"description": "Who advanced it, if anyone."}
    )
    movable = fields.Boolean(
        required=True,
        metadata={"description": "True in the embedded default, unless RISKGATE_TODAY pins it."},
    )


class AdvanceSchema(Schema):
    to = Day(required=True, metadata={"description": "the new today, not before the current one"})


@clock.route("/clock")
class Clock(MethodView):
    @clock.response(200, ClockAnswer)
    def get(self) -> dict[str, Any]:
        """Today as the gatekeeper, the inspectorates' commands and the citizens' deadlines see
        it, and what set it (public)."""
        return system().clock.state()

    @requires("gatekeeper")
    @clock.arguments(AdvanceSchema)
    @clock.response(200, ClockAnswer)
    @refusals(
        clock, 401, 403, 409,
        e409="the clock cannot move: the distributed mode (real date), a pinned RISKGATE_TODAY, "
        "or a date before today",
    )  # fmt: skip
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Move the embedded default's clock forward to `to` (role: gatekeeper). 409 in the
        distributed mode, with RISKGATE_TODAY set, or for a date before today."""
        actor = require_role("gatekeeper")
        return system().clock.advance(args["to"], by=actor.holder)
