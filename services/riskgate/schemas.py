"""The integrator-facing contract, version 1: the event envelope and one payload per type.

Every message riskgate accepts or emits is an envelope (``event_id``, ``type``,
``occurred_at``, ``source``, ``body``, ``payload``) whose ``payload`` is checked
by the schema registered for its ``type`` in ``PAYLOAD_SCHEMAS``. Loading gives
back plain JSON-safe dicts, so a clean event can go straight onto a topic.
The JSON Schema files in ``contracts/v1/`` are exported from these classes
(``riskgate.contracts_export``); change them here, then run ``make contracts``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from riskgate import limits
from riskgate.domain.vocabulary import (
    BODY_KINDS,
    CONCERNS,
    EVENT_TYPES,
    FLAGS,
    INSPECTION_STATUSES,
    INSPECTORATES,
    INTERNAL_TYPES,
    PROGRAMME_GROUNDS,
    REQUEST_ORIGINS,
    SUBJECTS,
    THEMES,
)

CONTRACT_VERSION = "v1"
ALL_TYPES: tuple[str, ...] = EVENT_TYPES + INTERNAL_TYPES

BODY_CODE_PATTERN = r"^[EWSN]\d{8}$"
BODY_CODE_MESSAGE = (
    "must be a body code: one letter E, W, S or N followed by eight digits, e.g. E10000014"
)
INDICATOR_PATTERN = r"^NI \d{1,3}$"
PERIOD_PATTERN = r"^\d{4}-Q[1-4]$"
REF_PATTERN = r"^[A-Za-z0-9._:-]+$"
NOT_AN_OBJECT = "Each event must be a JSON object."
OFFSET_MESSAGE = "must include a time zone offset"

COMPLAINT_CHANNELS: tuple[str, ...] = ("resident", "councillor", "ombudsman", "auditor", "partner")
CCFA_COMMITTEES: tuple[str, ...] = ("overview_and_scrutiny", "crime_and_disorder")
ACTION_PLAN_STATUSES: tuple[str, ...] = ("on_track", "off_track", "not_started")
URGENCIES: tuple[str, ...] = ("normal", "high", "urgent")
DECISION_OUTCOMES: tuple[str, ...] = ("approved", "merged", "joint", "deferred", "rejected")
OVERRIDE_OUTCOMES: tuple[str, ...] = ("approved", "rejected")
INSPECTION_ACTIONS: tuple[str, ...] = (
    "accepted", "declined", "scheduled", "completed", "rerouted",
)  # fmt: skip
CCFA_MATTERS: tuple[str, ...] = (
    "planning", "licensing", "council_tax", "business_rates", "crime_and_disorder",
    "anti_social_behaviour", "other",
)  # fmt: skip
SUSPECTED: tuple[str, ...] = ("fraud", "criminal")
COMMITTEE_FINDINGS: tuple[str, ...] = ("vexatious", "frivolous")
CITIZENS_TRANSITIONS: tuple[str, ...] = (
    "ccfa.stage_changed", "ccfa.refused", "ccfa.overdue", "ccfa.deadline_met", "ccfa.escalated",
    "area_case.opened", "petition.status_changed",
)  # fmt: skip
INSPECTORATE_CODES: tuple[str, ...] = tuple(INSPECTORATES)
MIN_YEAR, MAX_YEAR = 2000, 2100

# Every string and list in the contract is bounded (hostile input is normal input); the
# bounds are in the exported JSON Schema, and the biggest valid integrator event fits in
# limits.MAX_EVENT_BYTES (tests/unit/test_contracts.py holds the two together).
MAX_TEXT = limits.MAX_TEXT  # free text: an issue, a summary, a justification
MAX_NAME = 200  # a short name or label: a ward, a neighbourhood, a category, a topic
MAX_REF = 64  # a reference or an id: petition_ref, case_ref, request_id, a version
MAX_SOURCE = 100  # the integrator's name
MAX_BODIES = 50  # bodies named by one call for action or recommendation
MAX_ENTRIES = 8  # an integrator's list of free texts: concerns, recommendations
MAX_SERVICE_TEXT = 20_000  # text the services compose from others' texts (a narrative)
MAX_SERVICE_ITEMS = 10_000  # lists the services emit: evidence, reasons, rule ids
MAX_ISO_DAY = 10  # YYYY-MM-DD
MAX_ISO_TIME = 64  # an ISO 8601 date-time with offset and fractions, generously
MAX_UUID = 45  # the longest spelling uuid.UUID accepts: urn:uuid:8-4-4-4-12
TOO_LONG = "Longer than maximum length {max}."

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


# --- fields and validators ---------------------------------------------------------------


class FullMatch(validate.Regexp):
    """A ``Regexp`` that must match the whole string, no longer than ``max_length``.

    ``re.match`` with ``$`` lets a trailing newline through; ``fullmatch`` does not.
    The length is checked first, and apispec exports it as ``maxLength`` (it reads
    ``min``/``max``/``equal`` as it does on ``validate.Length``).
    """

    def __init__(self, regex: str, *, error: str | None = None, max_length: int = MAX_REF) -> None:
        super().__init__(regex, error=error)
        self.min, self.max, self.equal = None, max_length, None

    def __call__(self, value: Any) -> Any:
        """Return ``value`` if the whole of it matches, else raise ``ValidationError``."""
        if isinstance(value, str) and len(value) > self.max:
            # the expected form is the useful part; the input is never echoed whole
            form = self._format_error(value[: self.max])
            raise ValidationError(f"{TOO_LONG.format(max=self.max)[:-1]}: {form}")
        if not isinstance(value, str | bytes) or self.regex.fullmatch(value) is None:  # type: ignore[arg-type]
            raise ValidationError(self._format_error(value))
        return value


class Choice(validate.OneOf):
    """One of a fixed set of words; exported as ``enum`` with the longest word's ``maxLength``.

    Input longer than every word is refused with a length error that does not echo it.
    """

    def __init__(self, choices: Iterable[str], *, error: str | None = None) -> None:
        super().__init__(tuple(choices), error=error)
        self.min, self.max, self.equal = None, max(len(c) for c in self.choices), None

    def __call__(self, value: Any) -> Any:
        """Return ``value`` if it is one of the words, else raise ``ValidationError``."""
        if isinstance(value, str) and len(value) > self.max:
            raise ValidationError(TOO_LONG.format(max=self.max))
        return super().__call__(value)


class Const(validate.Validator):
    """The value must equal one constant; exported to JSON Schema as ``const``.

    It carries no ``choices``/``comparable`` attribute on purpose, so apispec
    does not also render it as a one-item ``enum``.
    """

    def __init__(self, value: Any, *, error: str | None = None) -> None:
        self.value = value
        self.message = error or "must be {value!r}"
        # read by apispec as a Length: a string constant is exported with its maxLength
        self.min, self.max, self.equal = None, len(value) if isinstance(value, str) else None, None

    def __call__(self, value: Any) -> Any:
        """Return ``value`` if it equals the constant, else raise ``ValidationError``."""
        if value != self.value:
            raise ValidationError(self.message.format(value=self.value, input=value))
        return value


class StrictFloat(fields.Float):
    """A JSON number only: numeric strings such as ``"1.5"`` are refused."""

    def _validated(self, value: Any) -> float:
        if isinstance(value, str | bytes):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class StrictBoolean(fields.Boolean):
    """A JSON ``true``/``false`` only: ``"yes"``, ``1`` and the like are refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)


class _ShortSpelling:
    """A field parsed from a short string: longer input is refused before it is parsed, and the
    bound is exported as ``maxLength``."""

    max_length: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["metadata"] = {**kwargs.get("metadata", {}), "maxLength": self.max_length}
        super().__init__(*args, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and len(value) > self.max_length:
            raise ValidationError(TOO_LONG.format(max=self.max_length))
        return super()._deserialize(value, attr, data, **kwargs)  # type: ignore[misc]


class Day(_ShortSpelling, fields.Date):
    """An ISO 8601 date, YYYY-MM-DD; dumps ISO strings as they are."""

    max_length = MAX_ISO_DAY

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        # The services keep dates as ISO strings, so an HTTP answer dumps them unchanged.
        if isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


class EventId(_ShortSpelling, fields.UUID):
    """A UUID (uuid.UUID would otherwise accept any number of hyphens)."""

    max_length = MAX_UUID


class OffsetDateTime(_ShortSpelling, fields.AwareDateTime):
    """An ISO 8601 date-time that must carry a zone offset; dumps ISO strings as they are."""

    max_length = MAX_ISO_TIME
    default_error_messages = {"invalid_awareness": OFFSET_MESSAGE}

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        # A loaded envelope keeps occurred_at as an ISO string, so dumping it again must work.
        if isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


def _one_of(choices: Iterable[str]) -> Choice:
    return Choice(choices)


def body_code(**kwargs: Any) -> fields.String:
    """A field holding a GSS-style body code such as ``E10000014``."""
    kwargs.setdefault("metadata", {"description": "Body code (GSS style), e.g. E10000014."})
    return fields.String(
        validate=FullMatch(BODY_CODE_PATTERN, error=BODY_CODE_MESSAGE, max_length=9), **kwargs
    )


def _theme(**kwargs: Any) -> fields.String:
    return fields.String(required=True, validate=_one_of(THEMES), **kwargs)


def _inspectorate(**kwargs: Any) -> fields.String:
    kwargs.setdefault("required", True)
    return fields.String(validate=_one_of(INSPECTORATE_CODES), **kwargs)


def _year(**kwargs: Any) -> fields.Integer:
    return fields.Integer(
        required=True, strict=True, validate=validate.Range(MIN_YEAR, MAX_YEAR), **kwargs
    )


def _text(min_len: int = 1, max_len: int = MAX_TEXT, **kwargs: Any) -> fields.String:
    kwargs.setdefault("required", True)
    return fields.String(validate=validate.Length(min_len, max_len), **kwargs)


def _ref(**kwargs: Any) -> fields.String:
    """A reference or id: required and non-empty unless told otherwise."""
    return _text(1, MAX_REF, **kwargs)


def _name(**kwargs: Any) -> fields.String:
    return _text(1, MAX_NAME, **kwargs)


def _optional(max_len: int, **kwargs: Any) -> fields.String:
    """An optional string of at most ``max_len`` characters (empty allowed)."""
    return fields.String(validate=validate.Length(max=max_len), **kwargs)


def _str_list(
    max_len: int = MAX_SERVICE_TEXT, max_items: int = MAX_SERVICE_ITEMS, **kwargs: Any
) -> fields.List:
    return fields.List(
        fields.String(validate=validate.Length(max=max_len)),
        validate=validate.Length(max=max_items),
        **kwargs,
    )


def _list(item: fields.Field, max_items: int = MAX_SERVICE_ITEMS, **kwargs: Any) -> fields.List:
    return fields.List(item, validate=validate.Length(max=max_items), **kwargs)


def _window_order(data: Mapping[str, Any]) -> None:
    start, end = data.get("window_start"), data.get("window_end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        raise ValidationError(
            f"must not be before window_start ({start.isoformat()})", field_name="window_end"
        )


# Personal data a citizen-facing payload must never carry: complainants, petitioners and
# councillors appear only under pseudonymous references. Each pattern runs in time linear in
# its text: a match may start only where a run begins (the lookbehinds), and the runs it
# crosses are possessive, so a long run of letters is read once rather than once per start.
_LOCAL = r"A-Za-z0-9._%+-"
_EMAIL = re.compile(
    rf"(?<![{_LOCAL}])[{_LOCAL}]++@(?:[A-Za-z0-9-]++\.)+[A-Za-z]{{2,}}+"
)  # fmt: skip
# At most ten repeats, and a skipped separator can only be the last one, so each start
# costs a bounded amount whatever follows.
_PHONE = re.compile(r"(?<![\w])(?:\+44\s?|0)(?:\d[\s-]?){9,10}(?![\w])")
_NAMED = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|Cllr|Councillor)\.?\s++[A-Z][A-Za-z'-]++"
    r"|(?i:\bmy name is|\bname\s*+:)\s*+[A-Za-z][a-z'-]++"
)
PERSONAL_DATA = "must not carry personal data ({what}); refer to people by a pseudonymous reference"


def personal_data_in(text: str) -> str | None:
    """What kind of personal data a text seems to carry (an e-mail address, ...), or None."""
    if _EMAIL.search(text):
        return "an e-mail address"
    if _PHONE.search(text):
        return "a phone number"
    if _NAMED.search(text):
        return "a person's name"
    return None


def _personal_data_errors(value: Any, path: str, errors: dict[str, list[str]]) -> None:
    if isinstance(value, str):
        what = personal_data_in(value)
        if what:
            errors.setdefault(path, []).append(PERSONAL_DATA.format(what=what))
    elif isinstance(value, dict):
        for key, item in value.items():
            _personal_data_errors(item, f"{path}.{key}" if path else str(key), errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _personal_data_errors(item, f"{path}.{index}" if path else str(index), errors)


class StrictSchema(Schema):
    """Base for contract schemas: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = RAISE


# --- payloads: integrator events ----------------------------------------------------------


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
    unit = _optional(MAX_REF)

    @validates_schema
    def _known(self, data: dict[str, Any], **kwargs: Any) -> None:
        known = _known_indicators
        indicator = data.get("indicator")
        if known is not None and indicator is not None and indicator not in known:
            raise ValidationError(
                f"unknown indicator {indicator!r}: not in the National Indicator Set",
                field_name="indicator",
            )


class NoPersonalData(StrictSchema):
    """A citizen-facing payload: any field carrying a name, e-mail or phone number is refused."""

    # Only the fields the contract declares, and only once they passed their own checks
    # (lengths first): `data` holds just those, so unknown or oversize input is never scanned.
    @validates_schema(skip_on_field_errors=False)
    def _no_personal_data(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        _personal_data_errors(data, "", errors)
        if errors:
            raise ValidationError(errors)


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
    channel = fields.String(required=True, validate=_one_of(COMPLAINT_CHANNELS))
    theme = _theme()
    category = _text(1, 100)
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

    petition_ref = _ref()
    topic = _text(1, 200)
    theme = _theme()
    signatures = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    neighbourhood = _name()


class CcfaRaisedPayload(NoPersonalData):
    """A Community Call for Action raised by a councillor."""

    case_ref = _ref()
    councillor_ref = _ref()
    ward = _name()
    issue = _text()
    theme = _theme()
    bodies = fields.List(body_code(), required=True, validate=validate.Length(1, MAX_BODIES))
    matter = fields.String(
        load_default="other",
        validate=_one_of(CCFA_MATTERS),
        metadata={"description": "What the call is about; matters with an appeal route of "
                  "their own are declined."},
    )  # fmt: skip
    petition_ref = _optional(
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
        validate=_one_of(SUSPECTED),
        metadata={"description": "Suspected fraud or criminal behaviour goes to the gatekeeper "
                  "at once."},
    )  # fmt: skip
    informal_resolution_tried = StrictBoolean(allow_none=True)


class CcfaReferredPayload(NoPersonalData):
    """A Community Call for Action referred to a scrutiny committee."""

    case_ref = _ref()
    committee = fields.String(required=True, validate=_one_of(CCFA_COMMITTEES))
    referred_on = Day(required=True)
    committee_finding = fields.String(
        allow_none=True,
        load_default=None,
        validate=_one_of(COMMITTEE_FINDINGS),
        metadata={"description": "The committee's own finding that the call is vexatious or "
                  "frivolous."},
    )  # fmt: skip


class CcfaRecommendedPayload(NoPersonalData):
    """The committee's recommendations to the executive and the bodies named (stage 3)."""

    case_ref = _ref()
    recommended_on = Day(required=True)
    recommendations = fields.List(
        fields.String(validate=validate.Length(1, MAX_TEXT)),
        required=True,
        validate=validate.Length(1, MAX_ENTRIES),
    )
    bodies = fields.List(
        body_code(),
        validate=validate.Length(1, MAX_BODIES),
        metadata={"description": "Bodies that must respond (default: the case's bodies)."},
    )


class CcfaPublishedPayload(NoPersonalData):
    """The council publishes its response to a Community Call for Action."""

    case_ref = _ref()
    published_on = Day(required=True)
    resolved = StrictBoolean(required=True)


class PetitionRespondedPayload(NoPersonalData):
    """The council's response to a petition (and its debate, if one was held)."""

    petition_ref = _ref()
    responded_on = Day(required=True)
    outcome = _text(1, 2000)
    debate_on = Day(allow_none=True)


class ForumDecidedPayload(NoPersonalData):
    """A neighbourhood forum's decision on an issue (enough forums open an area-wide case)."""

    forum_ref = _ref()
    issue_ref = fields.String(
        required=True,
        validate=FullMatch(REF_PATTERN, error="must use only letters, digits and . _ : -"),
    )
    theme = _theme()
    decided_on = Day(required=True)
    neighbourhood = _name()


class CcfaRespondedPayload(NoPersonalData):
    """A body's response to a Community Call for Action."""

    case_ref = _ref()
    responding_body = body_code(required=True)
    responded_on = Day(required=True)
    resolved = StrictBoolean(required=True)


class ConcernSchema(StrictSchema):
    """One concern an area reports in its self-assessment, with its action plan."""

    subject = _name(metadata={"description": "An indicator id (e.g. NI 117) or a topic."})
    action_plan = _text()
    status = fields.String(required=True, validate=_one_of(ACTION_PLAN_STATUSES))


class SelfAssessmentSubmittedPayload(StrictSchema):
    """An area's self-assessment for one theme and year."""

    year = _year()
    theme = _theme()
    concerns = _list(fields.Nested(ConcernSchema), MAX_ENTRIES, required=True)


class InspectionFindingPayload(StrictSchema):
    """An inspectorate's finding, 1 (poor) to 4 (excellent)."""

    inspection_id = _ref()
    inspectorate = _inspectorate()
    theme = _theme()
    finding = fields.Integer(required=True, strict=True, validate=validate.Range(1, 4))
    summary = _text(1, 2000)


class UseOfResourcesScoredPayload(StrictSchema):
    """A body's use of resources score, 1 to 4."""

    year = _year()
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 4))
    managing_performance = fields.Integer(strict=True, validate=validate.Range(1, 4))


class BodyRegisteredPayload(StrictSchema):
    """A body and the Local Area Agreement area it belongs to."""

    name = _name()
    kind = fields.String(required=True, validate=_one_of(BODY_KINDS))
    area = body_code(required=True)
    population = fields.Integer(strict=True, validate=validate.Range(min=1))
    population_source = _optional(
        MAX_NAME, metadata={"description": "Where the population came from, e.g. synthetic."}
    )


# --- payloads: messages the services emit -------------------------------------------------


class RiskJudgementPayload(StrictSchema):
    """A flag (or none) for one area, theme and year, with its evidence and rules."""

    area = body_code(required=True)
    theme = _theme()
    year = _year()
    flag = fields.String(required=True, allow_none=True, validate=_one_of(FLAGS))
    rule_ids = _str_list(required=True)
    evidence = _list(fields.Dict(keys=fields.String()), required=True)
    considered = _list(
        fields.Dict(keys=fields.String()), load_default=list, metadata={"default": []}
    )
    ruleset_version = _ref()
    narrative = _optional(MAX_SERVICE_TEXT, load_default="")


class InspectionRequestedPayload(StrictSchema):
    """A proposal that an inspectorate inspects a body on a theme, for the gatekeeper."""

    request_id = _ref()
    inspectorate = _inspectorate()
    theme = _theme()
    area = body_code(required=True)
    origin = fields.String(required=True, validate=_one_of(REQUEST_ORIGINS))
    reason = _text(1, 2000)
    evidence = _str_list(load_default=list, metadata={"default": []})
    rule_ids = _str_list(load_default=list, metadata={"default": []})
    ruleset_version = _optional(MAX_REF)
    urgency = fields.String(load_default="normal", validate=_one_of(URGENCIES))
    concern = fields.String(allow_none=True, validate=_one_of(CONCERNS))
    window_start = Day(required=True)
    window_end = Day(required=True)
    on_site_days = fields.Integer(required=True, strict=True, validate=validate.Range(1, 60))
    justification = _optional(MAX_TEXT)
    subject = fields.String(
        load_default="council_services",
        validate=_one_of(SUBJECTS),
        metadata={"description": "What is to be inspected; care homes, schools and prisons are "
                  "outside the gatekeeper's scope."},
    )  # fmt: skip
    programme_ground = fields.String(
        allow_none=True,
        validate=_one_of(PROGRAMME_GROUNDS),
        metadata={"description": "Why an inspectorate's own programme needs this inspection."},
    )

    @validates_schema(skip_on_field_errors=False)
    def _window(self, data: dict[str, Any], **kwargs: Any) -> None:
        _window_order(data)


class GatekeeperDecisionPayload(StrictSchema):
    """The gatekeeper's decision on one request, with the policies that decided it."""

    decision_id = _ref()
    request_id = _ref()
    outcome = fields.String(required=True, validate=_one_of(DECISION_OUTCOMES))
    policy_ids = _list(_ref(), 100, required=True)
    reasons = _str_list(required=True)
    inspection_id = _optional(MAX_REF, allow_none=True)
    deferred_until = Day(allow_none=True)
    bypassed = _str_list(load_default=list, metadata={"default": []})
    ledger = fields.Dict(keys=fields.String(), load_default=dict, metadata={"default": {}})
    inspectorate = _inspectorate()
    theme = _theme()
    area = body_code(required=True)
    decided_on = Day(required=True)
    policy_version = _ref()
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

    override_id = _ref()
    decision_id = _ref()
    request_id = _ref()
    previous_outcome = fields.String(required=True, validate=_one_of(DECISION_OUTCOMES))
    outcome = fields.String(required=True, validate=_one_of(OVERRIDE_OUTCOMES))
    justification = _text(10, 2000)
    overridden_by = _name()
    overridden_on = Day(required=True)
    area = body_code(required=True)
    inspection = fields.Dict(keys=fields.String(), allow_none=True, required=True)


class InspectionUpdatedPayload(StrictSchema):
    """An inspection accepted, declined, scheduled, completed or re-routed."""

    inspection_id = _ref()
    action = fields.String(required=True, validate=_one_of(INSPECTION_ACTIONS))
    by = _optional(MAX_NAME, allow_none=True, required=True)
    reason = _optional(MAX_SERVICE_TEXT, allow_none=True, required=True)
    on = Day(required=True)
    area = body_code(required=True)
    removed = _str_list(load_default=list, metadata={"default": []})
    inspection = fields.Dict(keys=fields.String(), required=True)


class OrganisationalAssessedPayload(StrictSchema):
    """A council's organisational assessment (the lower of its two audit scores)."""

    year = _year()
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 4))
    use_of_resources = fields.Integer(strict=True, validate=validate.Range(1, 4))
    managing_performance = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(1, 4)
    )
    evidence = _str_list(required=True)


class CitizensTransitionPayload(StrictSchema):
    """One step in a petition's or a Community Call for Action's history."""

    id = _ref()
    kind = fields.String(required=True, validate=_one_of(CITIZENS_TRANSITIONS))
    council = body_code(required=True)
    area = body_code(allow_none=True)
    case_ref = _optional(MAX_REF, allow_none=True)
    petition_ref = _optional(MAX_REF, allow_none=True)
    from_stage = _optional(MAX_REF, allow_none=True)
    to_stage = _optional(MAX_REF, allow_none=True)
    from_status = _optional(MAX_REF, allow_none=True)
    to_status = _optional(MAX_REF, allow_none=True)
    status = _optional(MAX_REF, allow_none=True)
    on = Day(required=True)
    reasons = _str_list(load_default=list, metadata={"default": []})
    deadlines = _list(fields.Dict(keys=fields.String()), load_default=list)
    caused_by = _optional(MAX_REF, allow_none=True)
    rule = _optional(MAX_REF, allow_none=True)
    deadline = fields.Dict(keys=fields.String(), allow_none=True)
    late = StrictBoolean(allow_none=True)
    inspection_request = fields.Dict(keys=fields.String(), allow_none=True)
    debate_threshold = fields.Integer(allow_none=True)
    issue_key = _optional(MAX_NAME, allow_none=True)
    evidence = _str_list()


class InspectionAssignedPayload(StrictSchema):
    """Approved work handed to a lead inspectorate."""

    inspection_id = _ref()
    decision_id = _ref()
    lead_inspectorate = _inspectorate()
    participants = _list(_inspectorate(required=False), 20, required=True)
    theme = _theme()
    area = body_code(required=True)
    window_start = Day(required=True)
    window_end = Day(required=True)
    on_site_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    request_ids = _str_list(required=True)
    evidence = _str_list(required=True)
    status = fields.String(load_default="assigned", validate=_one_of(INSPECTION_STATUSES))
    themes = _str_list()
    on_site_start = Day()
    on_site_end = Day()
    urgent = StrictBoolean()
    bypassed = _str_list()
    accepted_by = _str_list()
    recipient = _inspectorate(
        required=False, metadata={"description": "The inspectorate whose list this is for."}
    )
    finding = fields.Integer(strict=True, validate=validate.Range(1, 4))
    summary = _optional(MAX_TEXT)
    declined_reason = _optional(MAX_TEXT)

    @validates_schema(skip_on_field_errors=False)
    def _window(self, data: dict[str, Any], **kwargs: Any) -> None:
        _window_order(data)


PAYLOAD_SCHEMAS: dict[str, type[Schema]] = {
    "indicator.reported": IndicatorReportedPayload,
    "complaint.received": ComplaintReceivedPayload,
    "petition.submitted": PetitionSubmittedPayload,
    "ccfa.raised": CcfaRaisedPayload,
    "ccfa.referred": CcfaReferredPayload,
    "ccfa.responded": CcfaRespondedPayload,
    "ccfa.recommended": CcfaRecommendedPayload,
    "ccfa.published": CcfaPublishedPayload,
    "petition.responded": PetitionRespondedPayload,
    "forum.decided": ForumDecidedPayload,
    "self_assessment.submitted": SelfAssessmentSubmittedPayload,
    "inspection.finding": InspectionFindingPayload,
    "use_of_resources.scored": UseOfResourcesScoredPayload,
    "body.registered": BodyRegisteredPayload,
    "risk.judgement": RiskJudgementPayload,
    "inspection.requested": InspectionRequestedPayload,
    "gatekeeper.decision": GatekeeperDecisionPayload,
    "inspection.assigned": InspectionAssignedPayload,
    "gatekeeper.override": GatekeeperOverridePayload,
    "inspection.updated": InspectionUpdatedPayload,
    "organisational.assessed": OrganisationalAssessedPayload,
    "citizens.transition": CitizensTransitionPayload,
}
assert set(PAYLOAD_SCHEMAS) == set(ALL_TYPES), "every event type needs a payload schema"

# Schemas hold no per-call state when loading, so one instance each is enough.
_PAYLOAD_INSTANCES: dict[str, Schema] = {name: cls() for name, cls in PAYLOAD_SCHEMAS.items()}


# --- the envelope -------------------------------------------------------------------------


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


# --- HTTP responses -----------------------------------------------------------------------


class ErrorSchema(Schema):
    """An error response: HTTP code and status, a message, and errors per field."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    status = fields.String(required=True, metadata={"description": "The HTTP status name."})
    message = fields.String(metadata={"description": "What was wrong, naming the field."})
    # null when a refused command names no field (the gatekeeper's 403/404/409)
    errors = fields.Dict(
        keys=fields.String(),
        allow_none=True,
        metadata={"description": "Reasons per field (per item for a list of events)."},
    )


class AcceptedSchema(Schema):
    """The answer to ``POST /v1/events``: ids newly accepted and ids already seen."""

    accepted = fields.List(fields.String(), required=True)
    duplicates = fields.List(fields.String(), required=True)
