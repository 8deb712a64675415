"""Payloads of the messages the services emit: judgements, requests, decisions, overrides,
inspection updates and assignments, organisational assessments, citizens' transitions."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate, validates_schema

from riskgate.domain.vocabulary import (
    CONCERNS,
    FLAGS,
    INSPECTION_STATUSES,
    PROGRAMME_GROUNDS,
    REQUEST_ORIGINS,
    SUBJECTS,
)
from riskgate.schemas.fields import (
    CITIZENS_TRANSITIONS,
    DECISION_OUTCOMES,
    INSPECTION_ACTIONS,
    MAX_NAME,
    MAX_REF,
    MAX_SERVICE_TEXT,
    MAX_TEXT,
    OVERRIDE_OUTCOMES,
    URGENCIES,
    Day,
    StrictBoolean,
    StrictSchema,
    body_code,
    bounded_list,
    inspectorate_field,
    name_field,
    one_of,
    optional_text,
    ref_field,
    text_field,
    text_list,
    theme_field,
    window_order,
    year_field,
)


class ActorPayload(StrictSchema):
    """Who took an action: the token's public id, its holder and the role it held (a service
    deciding by policy names itself, e.g. `riskgate.gatekeeper` in role `service:gatekeeper`)."""

    id = ref_field(metadata={"description": "The token's public id (never the secret)."})
    holder = name_field(metadata={"description": "The person or system the token was issued to."})
    role = name_field()


def actor_field() -> fields.Nested:
    """The actor of a gatekeeper message; the time is the envelope's `occurred_at`."""
    return fields.Nested(ActorPayload, required=True)


class RiskJudgementPayload(StrictSchema):
    """A flag (or none) for one area, theme and year, with its evidence and rules."""

    area = body_code(required=True)
    theme = theme_field()
    year = year_field()
    flag = fields.String(required=True, allow_none=True, validate=one_of(FLAGS))
    rule_ids = text_list(required=True)
    evidence = bounded_list(fields.Dict(keys=fields.String()), required=True)
    considered = bounded_list(
        fields.Dict(keys=fields.String()), load_default=list, metadata={"default": []}
    )
    contradicted = bounded_list(
        fields.Dict(keys=fields.String()),
        load_default=list,
        metadata={"default": [], "description": "Self-assessed concerns flagged after all: "
                  "the plan is off track or later evidence contradicts it, naming the plan and "
                  "the date it was reported."},
    )  # fmt: skip
    unmatched = bounded_list(
        fields.Dict(keys=fields.String()),
        load_default=list,
        metadata={"default": [], "description": "Self-assessed concerns that match nothing "
                  "the rules found on the theme."},
    )  # fmt: skip
    ruleset_version = ref_field()
    narrative = optional_text(MAX_SERVICE_TEXT, load_default="")


class InspectionRequestedPayload(StrictSchema):
    """A proposal that an inspectorate inspects a body on a theme, for the gatekeeper."""

    request_id = ref_field()
    inspectorate = inspectorate_field()
    theme = theme_field()
    area = body_code(required=True)
    origin = fields.String(required=True, validate=one_of(REQUEST_ORIGINS))
    reason = text_field(1, 2000)
    evidence = text_list(load_default=list, metadata={"default": []})
    rule_ids = text_list(load_default=list, metadata={"default": []})
    ruleset_version = optional_text(MAX_REF)
    urgency = fields.String(load_default="normal", validate=one_of(URGENCIES))
    concern = fields.String(allow_none=True, validate=one_of(CONCERNS))
    window_start = Day(required=True)
    window_end = Day(required=True)
    on_site_days = fields.Integer(required=True, strict=True, validate=validate.Range(1, 60))
    justification = optional_text(MAX_TEXT)
    subject = fields.String(
        load_default="council_services",
        validate=one_of(SUBJECTS),
        metadata={"description": "What is to be inspected; care homes, schools and prisons are "
                  "outside the gatekeeper's scope."},
    )  # fmt: skip
    programme_ground = fields.String(
        allow_none=True,
        validate=one_of(PROGRAMME_GROUNDS),
        metadata={"description": "Why an inspectorate's own programme needs this inspection."},
    )

    @validates_schema(skip_on_field_errors=False)
    def _window(self, data: dict[str, Any], **kwargs: Any) -> None:
        window_order(data)


class GatekeeperDecisionPayload(StrictSchema):
    """The gatekeeper's decision on one request, with the policies that decided it."""

    decision_id = ref_field()
    request_id = ref_field()
    outcome = fields.String(required=True, validate=one_of(DECISION_OUTCOMES))
    policy_ids = bounded_list(ref_field(), 100, required=True)
    reasons = text_list(required=True)
    inspection_id = optional_text(MAX_REF, allow_none=True)
    deferred_until = Day(allow_none=True)
    bypassed = text_list(load_default=list, metadata={"default": []})
    ledger = fields.Dict(keys=fields.String(), load_default=dict, metadata={"default": {}})
    inspectorate = inspectorate_field()
    theme = theme_field()
    area = body_code(required=True)
    decided_on = Day(required=True)
    policy_version = ref_field()
    actor = actor_field()
    request = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "The request as received, so the state can be rebuilt."},
    )
    inspection = fields.Dict(
        keys=fields.String(),
        allow_none=True,
        required=True,
        metadata={"description": "The inspection as this decision leaves it, if any."},
    )


class GatekeeperOverridePayload(StrictSchema):
    """Staff override a decision; the original decision stays in the record."""

    override_id = ref_field()
    decision_id = ref_field()
    request_id = ref_field()
    previous_outcome = fields.String(required=True, validate=one_of(DECISION_OUTCOMES))
    outcome = fields.String(required=True, validate=one_of(OVERRIDE_OUTCOMES))
    justification = text_field(10, 2000)
    overridden_by = name_field(
        metadata={"description": "The holder of the token (`actor.holder`)."}
    )
    overridden_on = Day(required=True)
    actor = actor_field()
    area = body_code(required=True)
    inspection = fields.Dict(keys=fields.String(), allow_none=True, required=True)


class InspectionUpdatedPayload(StrictSchema):
    """An inspection accepted, declined, scheduled, completed or re-routed."""

    inspection_id = ref_field()
    action = fields.String(required=True, validate=one_of(INSPECTION_ACTIONS))
    by = optional_text(
        MAX_NAME,
        allow_none=True,
        required=True,
        metadata={"description": "The inspectorate that took the step (null for a re-route)."},
    )
    reason = optional_text(MAX_SERVICE_TEXT, allow_none=True, required=True)
    on = Day(required=True)
    actor = actor_field()
    area = body_code(required=True)
    removed = text_list(load_default=list, metadata={"default": []})
    inspection = fields.Dict(keys=fields.String(), required=True)


class InspectionTriagedPayload(StrictSchema):
    """A risk-triggered request held for, confirmed, declined or auto-confirmed in its
    inspectorate's triage."""

    request_id = ref_field()
    body = body_code(required=True)
    area = body_code(required=True)
    inspectorate = inspectorate_field()
    theme = theme_field()
    rule_ids = text_list(load_default=list, metadata={"default": []})
    reason = text_field(1, 2000)
    year = year_field()
    received_on = Day(required=True)
    due = Day(required=True, metadata={"description": "Confirmed automatically on this day."})
    state = fields.String(
        required=True, validate=one_of(("in_triage", "confirmed", "declined", "auto_confirmed"))
    )
    on = Day(required=True)
    by = optional_text(MAX_NAME, allow_none=True, metadata={"description": "Who triaged it."})
    decline_reason = optional_text(MAX_TEXT, allow_none=True)
    reasons = text_list(required=True)
    action = fields.String(
        required=True,
        validate=one_of(("triage_held", "triage_confirmed", "triage_declined",
                         "triage_auto_confirmed")),
    )  # fmt: skip
    actor = actor_field()
    request = fields.Dict(keys=fields.String(), required=True)


class OrganisationalAssessedPayload(StrictSchema):
    """A council's organisational assessment (the lower of its two audit scores)."""

    year = year_field()
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 4))
    use_of_resources = fields.Integer(strict=True, validate=validate.Range(1, 4))
    managing_performance = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(1, 4)
    )
    evidence = text_list(required=True)


class CitizensTransitionPayload(StrictSchema):
    """One step in a petition's or a Community Call for Action's history."""

    id = ref_field()
    kind = fields.String(required=True, validate=one_of(CITIZENS_TRANSITIONS))
    council = body_code(required=True)
    area = body_code(allow_none=True)
    case_ref = optional_text(MAX_REF, allow_none=True)
    petition_ref = optional_text(MAX_REF, allow_none=True)
    from_stage = optional_text(MAX_REF, allow_none=True)
    to_stage = optional_text(MAX_REF, allow_none=True)
    from_status = optional_text(MAX_REF, allow_none=True)
    to_status = optional_text(MAX_REF, allow_none=True)
    status = optional_text(MAX_REF, allow_none=True)
    on = Day(required=True)
    reasons = text_list(load_default=list, metadata={"default": []})
    deadlines = bounded_list(fields.Dict(keys=fields.String()), load_default=list)
    caused_by = optional_text(MAX_REF, allow_none=True)
    rule = optional_text(MAX_REF, allow_none=True)
    deadline = fields.Dict(keys=fields.String(), allow_none=True)
    late = StrictBoolean(allow_none=True)
    inspection_request = fields.Dict(keys=fields.String(), allow_none=True)
    debate_threshold = fields.Integer(allow_none=True)
    issue_key = optional_text(MAX_NAME, allow_none=True)
    evidence = text_list()


class InspectionAssignedPayload(StrictSchema):
    """Approved work handed to a lead inspectorate."""

    inspection_id = ref_field()
    decision_id = ref_field()
    lead_inspectorate = inspectorate_field()
    participants = bounded_list(inspectorate_field(required=False), 20, required=True)
    theme = theme_field()
    area = body_code(required=True)
    window_start = Day(required=True)
    window_end = Day(required=True)
    on_site_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    request_ids = text_list(required=True)
    evidence = text_list(required=True)
    status = fields.String(load_default="assigned", validate=one_of(INSPECTION_STATUSES))
    themes = text_list()
    on_site_start = Day()
    on_site_end = Day()
    urgent = StrictBoolean()
    bypassed = text_list()
    accepted_by = text_list()
    recipient = inspectorate_field(
        required=False, metadata={"description": "The inspectorate whose list this is for."}
    )
    finding = fields.Integer(strict=True, validate=validate.Range(1, 4))
    summary = optional_text(MAX_TEXT)
    declined_reason = optional_text(MAX_TEXT)

    @validates_schema(skip_on_field_errors=False)
    def _window(self, data: dict[str, Any], **kwargs: Any) -> None:
        window_order(data)
