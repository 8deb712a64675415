"""The envelope every message shares, the payload schema registered for each type, and validation."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from riskgate.schemas.events import (
    BodyRegisteredPayload,
    CcfaInformationRequestedPayload,
    CcfaPublishedPayload,
    CcfaRaisedPayload,
    CcfaRecommendedPayload,
    CcfaReferredPayload,
    CcfaRespondedPayload,
    ComplaintReceivedPayload,
    ForumDecidedPayload,
    IndicatorReportedPayload,
    InspectionFindingPayload,
    PeerReviewCompletedPayload,
    PetitionRespondedPayload,
    PetitionSubmittedPayload,
    SelfAssessmentSubmittedPayload,
    UseOfResourcesScoredPayload,
)
from riskgate.schemas.fast_path import fast_event
from riskgate.schemas.fields import (
    ALL_TYPES,
    CONTRACT_VERSION,
    MAX_SOURCE,
    NOT_AN_OBJECT,
    Choice,
    Const,
    EventId,
    OffsetDateTime,
    StrictSchema,
    body_code,
)
from riskgate.schemas.laa import LaaAgreedPayload, LaaAnnualReportPayload
from riskgate.schemas.services import (
    CitizensTransitionPayload,
    GatekeeperDecisionPayload,
    GatekeeperOverridePayload,
    InspectionAssignedPayload,
    InspectionRequestedPayload,
    InspectionTriagedPayload,
    InspectionUpdatedPayload,
    OrganisationalAssessedPayload,
    RiskJudgementPayload,
)

PAYLOAD_SCHEMAS: dict[str, type[Schema]] = {
    "indicator.reported": IndicatorReportedPayload,
    "complaint.received": ComplaintReceivedPayload,
    "petition.submitted": PetitionSubmittedPayload,
    "ccfa.raised": CcfaRaisedPayload,
    "ccfa.referred": CcfaReferredPayload,
    "ccfa.responded": CcfaRespondedPayload,
    "ccfa.information_requested": CcfaInformationRequestedPayload,
    "ccfa.recommended": CcfaRecommendedPayload,
    "ccfa.published": CcfaPublishedPayload,
    "petition.responded": PetitionRespondedPayload,
    "forum.decided": ForumDecidedPayload,
    "self_assessment.submitted": SelfAssessmentSubmittedPayload,
    "inspection.finding": InspectionFindingPayload,
    "use_of_resources.scored": UseOfResourcesScoredPayload,
    "peer_review.completed": PeerReviewCompletedPayload,
    "body.registered": BodyRegisteredPayload,
    "laa.agreed": LaaAgreedPayload,
    "laa.refreshed": LaaAgreedPayload,
    "laa.annual_report": LaaAnnualReportPayload,
    "risk.judgement": RiskJudgementPayload,
    "inspection.requested": InspectionRequestedPayload,
    "gatekeeper.decision": GatekeeperDecisionPayload,
    "inspection.assigned": InspectionAssignedPayload,
    "gatekeeper.override": GatekeeperOverridePayload,
    "inspection.updated": InspectionUpdatedPayload,
    "inspection.triaged": InspectionTriagedPayload,
    "organisational.assessed": OrganisationalAssessedPayload,
    "citizens.transition": CitizensTransitionPayload,
}
assert set(PAYLOAD_SCHEMAS) == set(ALL_TYPES), "every event type needs a payload schema"

# Schemas hold no per-call state when loading, so one instance each is enough.
_PAYLOAD_INSTANCES: dict[str, Schema] = {name: cls() for name, cls in PAYLOAD_SCHEMAS.items()}


class EnvelopeFields(StrictSchema):
    """The fields every event carries; ``payload`` depends on ``type``."""

    class Meta(StrictSchema.Meta):
        title = "riskgate event envelope (v1)"

    event_id = EventId(
        required=True,
        metadata={"description": "UUID chosen by the sender; the idempotency key."},
    )
    type = fields.String(
        required=True,
        validate=Choice(ALL_TYPES, error="unknown event type '{input}': must be one of {choices}"),
    )
    occurred_at = OffsetDateTime(
        required=True,
        metadata={
            "description": "ISO 8601 date-time with a zone offset, e.g. 2009-10-01T09:30:00+01:00."
        },
    )
    source = fields.String(
        required=True,
        validate=validate.Length(1, MAX_SOURCE),
        metadata={"description": "The integrator that sent the event."},
    )
    body = body_code(
        required=True,
        metadata={"description": "Code of the body the event is about, e.g. E10000014."},
    )
    payload = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "Per-type content; see <type>.schema.json."},
    )


class EnvelopeSchema(EnvelopeFields):
    """The envelope plus its payload: loading validates both and returns a JSON-safe dict."""

    # Run even when envelope fields failed, so one response lists every problem.
    @validates_schema(skip_on_field_errors=False)
    def _validate_payload(self, data: dict[str, Any], **kwargs: Any) -> None:
        event_type, payload = data.get("type"), data.get("payload")
        if event_type in _PAYLOAD_INSTANCES and isinstance(payload, dict):
            try:
                # Loaded once here; post_load only makes the result JSON-safe.
                data["payload"] = _PAYLOAD_INSTANCES[event_type].load(payload)
            except ValidationError as err:
                raise ValidationError(err.messages, field_name="payload") from None

    @post_load
    def _json_safe(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        occurred_at = data["occurred_at"]
        return {
            "event_id": str(data["event_id"]),
            "type": data["type"],
            "occurred_at": occurred_at.isoformat()
            if isinstance(occurred_at, dt.datetime)
            else occurred_at,
            "source": data["source"],
            "body": data["body"],
            "payload": _jsonable(data["payload"]),
        }


def _jsonable(value: Any) -> Any:
    """Loaded values back to JSON types: dates and times as ISO strings, UUIDs as strings."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


_ENVELOPE = EnvelopeSchema()


def validate_event(raw: object) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Validate one raw event (parsed JSON) and return ``(clean_event, errors)``.

    Exactly one side is meaningful: on success ``errors`` is ``{}``; on failure
    the event is None and ``errors`` maps each bad field to its reasons, with
    payload problems nested under ``"payload"``.
    """
    if not isinstance(raw, dict):
        return None, {"_schema": [NOT_AN_OBJECT]}
    fast = fast_event(raw)  # the common cases, as the schema would give them back
    if fast is not None:
        return fast, {}
    try:
        clean: dict[str, Any] = _ENVELOPE.load(raw)
    except ValidationError as err:
        messages = err.messages
        return None, messages if isinstance(messages, dict) else {"_schema": messages}
    return clean, {}


# Built once per type: marshmallow registers every schema class it creates.
_TYPED_ENVELOPES: dict[str, type[Schema]] = {}


def envelope_schema_for(event_type: str) -> type[Schema]:
    """A schema class for the whole envelope of one type: ``type`` fixed, ``payload`` nested.

    Used to export per-type JSON Schema (and usable in OpenAPI documents);
    validation itself goes through ``EnvelopeSchema``.
    """
    cached = _TYPED_ENVELOPES.get(event_type)
    if cached is not None:
        return cached
    payload_schema = PAYLOAD_SCHEMAS[event_type]

    class Meta(StrictSchema.Meta):
        title = f"riskgate {event_type} event ({CONTRACT_VERSION})"

    attrs: dict[str, Any] = {
        "Meta": Meta,
        "type": fields.String(
            required=True, validate=Const(event_type, error=f"must be '{event_type}'")
        ),
        "payload": fields.Nested(payload_schema, required=True),
    }
    name = "".join(part.title() for part in re.split(r"[._]", event_type)) + "Event"
    typed: type[Schema] = type(name, (EnvelopeFields,), attrs)
    _TYPED_ENVELOPES[event_type] = typed
    return typed
