"""The audit trail: who decided, overrode, accepted, declined, scheduled, completed or re-routed
what, in which role, and when; a page at a time, oldest first."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from riskgate.domain.errors import Invalid
from riskgate.entrypoints.http.answers import Answer, actor_answer
from riskgate.entrypoints.http.auth import requires, system
from riskgate.entrypoints.http.bounds import BoundedBlueprint, this_url_with
from riskgate.entrypoints.http.errors import refusals
from riskgate.schemas import MAX_NAME, Choice, Day, OffsetDateTime, body_code
from riskgate.service_layer.gatekeeper_fold import AUDITED
from riskgate.service_layer.repositories.audit import MAX_CURSOR, position_of

MAX_PAGE = 1000
NEXT_LINK = {
    "description": 'The next page, when there is one: `<...?since=...&after=NEXT>; rel="next"`',
    "schema": {"type": "string"},
}

audit = BoundedBlueprint(
    "audit", __name__, url_prefix="/v1", description="Who did what, in which role, and when"
)


def _a_cursor(value: str) -> None:
    """A cursor a page gave, so a bad one is refused with the query's other fields."""
    try:
        position_of(value)
    except Invalid as refusal:
        raise ValidationError(refusal.errors["after"]) from None


class AuditQuerySchema(Schema):
    since = Day(required=True, metadata={"description": "first UTC day, YYYY-MM-DD"})
    until = Day(metadata={"description": "last UTC day (default: no end)"})
    actor = fields.String(
        validate=validate.Length(1, MAX_NAME),
        metadata={"description": "only this actor: a token's id or a holder's name"},
    )
    action = fields.String(validate=Choice(AUDITED))
    limit = fields.Integer(
        load_default=100, validate=validate.Range(1, MAX_PAGE),
        metadata={"description": f"entries per page, at most {MAX_PAGE}"},
    )  # fmt: skip
    after = fields.String(
        validate=[validate.Length(1, MAX_CURSOR), _a_cursor],
        metadata={"description": "the `next` cursor of the page before"},
    )

    @validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "until" in data and data["until"] < data["since"]:
            raise ValidationError("must not be before since", field_name="until")


class AuditEntryAnswer(Answer):
    """One action: what, on which decision, inspection and requests, by whom, when (UTC)."""

    entry_id = fields.String(required=True, metadata={"description": "The message's event id."})
    action = fields.String(required=True, validate=Choice(AUDITED))
    at = OffsetDateTime(required=True)
    actor = actor_answer()
    body = body_code(required=True)
    area = body_code(required=True)
    decision_id = fields.String(required=True, allow_none=True)
    inspection_id = fields.String(required=True, allow_none=True)
    request_ids = fields.List(fields.String(), required=True)
    outcome = fields.String(
        required=True, allow_none=True, metadata={"description": "A decision's or override's."}
    )
    policy_version = fields.String(
        required=True, allow_none=True, metadata={"description": "The policies that decided."}
    )
    justification = fields.String(
        required=True, allow_none=True, metadata={"description": "An override's."}
    )
    reason = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "A decline's or re-route's reason; a completion's summary."},
    )
    finding = fields.Integer(required=True, allow_none=True, validate=validate.Range(1, 4))


class AuditPageAnswer(Answer):
    """A page of the trail, oldest first, and the cursor for the next (null at the end)."""

    entries = fields.List(fields.Nested(AuditEntryAnswer), required=True)
    next = fields.String(required=True, allow_none=True)


@audit.route("/audit")
class Audit(MethodView):
    @audit.arguments(AuditQuerySchema, location="query")
    @audit.response(200, AuditPageAnswer, headers={"Link": NEXT_LINK})
    @refusals(audit, 401, 403)
    @requires("gatekeeper")
    def get(self, args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The audit trail from `since` (a UTC day), oldest first, optionally to `until`, of one
        actor and of one action; at most `limit` entries, then `next` for `after`, also given
        as a `Link` (role: gatekeeper)."""
        page = system().gatekeeper.audit(
            args["since"],
            until=args.get("until"),
            actor=args.get("actor"),
            action=args.get("action"),
            limit=args["limit"],
            after=args.get("after"),
        )
        following = page["next"]
        link = f'<{this_url_with("after", following)}>; rel="next"' if following else None
        return page, {"Link": link} if link else {}
