"""Payloads of the events integrators publish: indicators, complaints, petitions, calls for action,
self-assessments, findings, scores and bodies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from riskgate.domain.vocabulary import BODY_KINDS, THEMES
from riskgate.schemas.fields import (
    ACTION_PLAN_STATUSES,
    CCFA_COMMITTEES,
    CCFA_MATTERS,
    COMMITTEE_FINDINGS,
    COMPLAINT_CHANNELS,
    INDICATOR_PATTERN,
    MAX_BODIES,
    MAX_ENTRIES,
    MAX_NAME,
    MAX_REF,
    MAX_TEXT,
    PERIOD_PATTERN,
    REF_PATTERN,
    SUSPECTED,
    BoundedList,
    Day,
    FullMatch,
    StrictBoolean,
    StrictFloat,
    StrictSchema,
    body_code,
    bounded_list,
    inspectorate_field,
    name_field,
    one_of,
    optional_text,
    ref_field,
    text_field,
    theme_field,
    year_field,
)
from riskgate.schemas.personal_data import NoPersonalData

# None means "not configured": the format is still checked, membership is not.
_known_indicators: frozenset[str] | None = None


def set_known_indicators(ids: Iterable[str] | None) -> None:
    """Make ``indicator.reported`` accept only these indicator ids (None switches the check off).

    The National Indicator Set lives in the reference data, which this module
    does not load, so the caller that owns it registers the ids here.
    """
    global _known_indicators
    _known_indicators = None if ids is None else frozenset(ids)


def known_indicators() -> frozenset[str] | None:
    """Return the indicator ids registered by ``set_known_indicators``, or None."""
    return _known_indicators


class IndicatorReportedPayload(StrictSchema):
    """A National Indicator Set value for one calendar quarter."""

    indicator = fields.String(
        required=True,
        validate=FullMatch(
            INDICATOR_PATTERN, error="must be a National Indicator id like 'NI 117'"
        ),
        metadata={"description": "National Indicator Set id, e.g. NI 117."},
    )
    period = fields.String(
        required=True,
        validate=FullMatch(PERIOD_PATTERN, error="must be a calendar quarter like '2009-Q3'"),
        metadata={"description": "Calendar quarter, e.g. 2009-Q3."},
    )
    value = StrictFloat(required=True)
    target = StrictFloat(metadata={"description": "The area's LAA target, if designated."})
    unit = optional_text(MAX_REF)

    @validates_schema
    def _known(self, data: dict[str, Any], **kwargs: Any) -> None:
        known = _known_indicators
        indicator = data.get("indicator")
        if known is not None and indicator is not None and indicator not in known:
            raise ValidationError(
                f"unknown indicator {indicator!r}: not in the National Indicator Set",
                field_name="indicator",
            )


class ComplaintReceivedPayload(NoPersonalData):
    """A complaint about a body, under a pseudonymous reference."""

    complaint_ref = fields.String(
        required=True,
        validate=[
            validate.Length(1, 64),
            FullMatch(REF_PATTERN, error="must use only letters, digits and . _ : -"),
        ],
        metadata={"description": "Pseudonymous reference; never a name."},
    )
    channel = fields.String(required=True, validate=one_of(COMPLAINT_CHANNELS))
    theme = theme_field()
    category = text_field(1, 100)
    upheld = StrictBoolean(allow_none=True)
    formal = StrictBoolean(load_default=False)
    partner = body_code(
        metadata={
            "description": "The complaining partner's body code; required for channel partner."
        }
    )

    # Checked against the original input so a malformed partner code is not also "missing".
    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _partner_needs_code(
        self, data: dict[str, Any], original_data: Mapping[str, Any], **kwargs: Any
    ) -> None:
        if data.get("channel") == "partner" and original_data.get("partner") in (None, ""):
            raise ValidationError("required when channel is 'partner'", field_name="partner")


class PetitionSubmittedPayload(NoPersonalData):
    """A petition handed to a council."""

    petition_ref = ref_field()
    topic = text_field(1, 200)
    theme = theme_field()
    signatures = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    neighbourhood = name_field()


class CcfaRaisedPayload(NoPersonalData):
    """A Community Call for Action raised by a councillor."""

    case_ref = ref_field()
    councillor_ref = ref_field()
    ward = name_field()
    issue = text_field()
    theme = theme_field()
    bodies = BoundedList(body_code(), required=True, validate=validate.Length(1, MAX_BODIES))
    matter = fields.String(
        load_default="other",
        validate=one_of(CCFA_MATTERS),
        metadata={"description": "What the call is about; matters with an appeal route of "
                  "their own are declined."},
    )  # fmt: skip
    petition_ref = optional_text(
        MAX_REF,
        allow_none=True,
        metadata={"description": "The petition the councillor takes up, if any."},
    )
    issue_ref = fields.String(
        validate=FullMatch(REF_PATTERN, error="must use only letters, digits and . _ : -"),
        metadata={"description": "A stable reference for the issue (repeat calls share it)."},
    )
    suspected = fields.String(
        allow_none=True,
        load_default=None,
        validate=one_of(SUSPECTED),
        metadata={"description": "Suspected fraud or criminal behaviour goes to the gatekeeper "
                  "at once."},
    )  # fmt: skip
    informal_resolution_tried = StrictBoolean(allow_none=True)


class CcfaReferredPayload(NoPersonalData):
    """A Community Call for Action referred to a scrutiny committee."""

    case_ref = ref_field()
    committee = fields.String(required=True, validate=one_of(CCFA_COMMITTEES))
    referred_on = Day(required=True)
    committee_finding = fields.String(
        allow_none=True,
        load_default=None,
        validate=one_of(COMMITTEE_FINDINGS),
        metadata={"description": "The committee's own finding that the call is vexatious or "
                  "frivolous."},
    )  # fmt: skip


class CcfaInformationRequestedPayload(NoPersonalData):
    """The committee asks bodies to appear or provide information (again): each named body's
    20 working days run from this request."""

    case_ref = ref_field()
    requested_on = Day(required=True)
    bodies = BoundedList(
        body_code(),
        validate=validate.Length(1, MAX_BODIES),
        metadata={"description": "Bodies asked (default: the case's bodies)."},
    )


class CcfaRecommendedPayload(NoPersonalData):
    """The committee's recommendations to the executive and the bodies named (stage 3)."""

    case_ref = ref_field()
    recommended_on = Day(required=True)
    recommendations = BoundedList(
        fields.String(validate=validate.Length(1, MAX_TEXT)),
        required=True,
        validate=validate.Length(1, MAX_ENTRIES),
    )
    bodies = BoundedList(
        body_code(),
        validate=validate.Length(1, MAX_BODIES),
        metadata={"description": "Bodies that must respond (default: the case's bodies)."},
    )


class CcfaPublishedPayload(NoPersonalData):
    """The council publishes its response to a Community Call for Action."""

    case_ref = ref_field()
    published_on = Day(required=True)
    resolved = StrictBoolean(required=True)


class PetitionRespondedPayload(NoPersonalData):
    """The council's response to a petition (and its debate, if one was held)."""

    petition_ref = ref_field()
    responded_on = Day(required=True)
    outcome = text_field(1, 2000)
    debate_on = Day(allow_none=True)


class ForumDecidedPayload(NoPersonalData):
    """A neighbourhood forum's decision on an issue (enough forums open an area-wide case)."""

    forum_ref = ref_field()
    issue_ref = fields.String(
        required=True,
        validate=FullMatch(REF_PATTERN, error="must use only letters, digits and . _ : -"),
    )
    theme = theme_field()
    decided_on = Day(required=True)
    neighbourhood = name_field()


class CcfaRespondedPayload(NoPersonalData):
    """A body's response to a Community Call for Action."""

    case_ref = ref_field()
    responding_body = body_code(required=True)
    responded_on = Day(required=True)
    resolved = StrictBoolean(required=True)


class ConcernSchema(StrictSchema):
    """One concern an area reports in its self-assessment, with its action plan."""

    subject = name_field(metadata={"description": "An indicator id (e.g. NI 117) or a topic."})
    action_plan = text_field()
    status = fields.String(required=True, validate=one_of(ACTION_PLAN_STATUSES))
    # What the concern answers (any of them; none: only a rule's concern equal to `subject`).
    # An unknown indicator or inspection is accepted and listed as matching nothing.
    indicator = optional_text(
        MAX_REF, metadata={"description": "An indicator it answers, e.g. NI 117."}
    )
    inspection_id = optional_text(
        MAX_REF, metadata={"description": "An inspection whose finding it answers."}
    )
    rule_id = optional_text(MAX_REF, metadata={"description": "A rule whose finding it answers."})
    whole_theme = StrictBoolean(
        metadata={"description": "True: it answers every finding on the theme."}
    )


class SelfAssessmentSubmittedPayload(StrictSchema):
    """An area's self-assessment for one theme and year."""

    year = year_field()
    theme = theme_field()
    concerns = bounded_list(fields.Nested(ConcernSchema), MAX_ENTRIES, required=True)


class InspectionFindingPayload(StrictSchema):
    """An inspectorate's finding, 1 (poor) to 4 (excellent)."""

    inspection_id = ref_field()
    inspectorate = inspectorate_field()
    theme = theme_field()
    finding = fields.Integer(required=True, strict=True, validate=validate.Range(1, 4))
    summary = text_field(1, 2000)


class UseOfResourcesScoredPayload(StrictSchema):
    """A body's use of resources score, 1 to 4."""

    year = year_field()
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 4))
    managing_performance = fields.Integer(strict=True, validate=validate.Range(1, 4))


class PeerReviewCompletedPayload(StrictSchema):
    """A peer challenge of a body completed: the themes it covered, its day and a summary."""

    completed_on = Day(required=True, metadata={"description": "the day the review ended"})
    themes = BoundedList(theme_field(), required=True, validate=validate.Length(1, len(THEMES)))
    summary = text_field(1, MAX_TEXT)
    reviewer = optional_text(MAX_NAME, metadata={"description": "who led the review"})


class BodyRegisteredPayload(StrictSchema):
    """A body and the Local Area Agreement area it belongs to."""

    name = name_field()
    kind = fields.String(required=True, validate=one_of(BODY_KINDS))
    area = body_code(required=True)
    population = fields.Integer(strict=True, validate=validate.Range(min=1))
    population_source = optional_text(
        MAX_NAME, metadata={"description": "Where the population came from, e.g. synthetic."}
    )
