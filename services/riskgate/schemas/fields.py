"""Field builders, validators and bounds shared by every schema of the v1 contract.

Every string and list is bounded here, so the exported JSON Schema carries each
bound as ``maxLength``/``maxItems`` and hostile input is refused by length
before any pattern runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from riskgate import limits
from riskgate.domain.vocabulary import EVENT_TYPES, INSPECTORATES, INTERNAL_TYPES, THEMES

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
    "area_case.opened", "petition.status_changed", "ccfa.information_requested",
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


def one_of(choices: Iterable[str]) -> Choice:
    """One of a fixed set of words (see ``Choice``)."""
    return Choice(choices)


def body_code(**kwargs: Any) -> fields.String:
    """A field holding a GSS-style body code such as ``E10000014``."""
    kwargs.setdefault("metadata", {"description": "Body code (GSS style), e.g. E10000014."})
    return fields.String(
        validate=FullMatch(BODY_CODE_PATTERN, error=BODY_CODE_MESSAGE, max_length=9), **kwargs
    )


def theme_field(**kwargs: Any) -> fields.String:
    """A required theme: an LAA block or an organisational theme."""
    return fields.String(required=True, validate=one_of(THEMES), **kwargs)


def inspectorate_field(**kwargs: Any) -> fields.String:
    """An inspectorate code; required unless told otherwise."""
    kwargs.setdefault("required", True)
    return fields.String(validate=one_of(INSPECTORATE_CODES), **kwargs)


def year_field(**kwargs: Any) -> fields.Integer:
    """A required assessment year, as a JSON integer."""
    return fields.Integer(
        required=True, strict=True, validate=validate.Range(MIN_YEAR, MAX_YEAR), **kwargs
    )


def text_field(min_len: int = 1, max_len: int = MAX_TEXT, **kwargs: Any) -> fields.String:
    """Free text between ``min_len`` and ``max_len`` characters; required unless told otherwise."""
    kwargs.setdefault("required", True)
    return fields.String(validate=validate.Length(min_len, max_len), **kwargs)


def ref_field(**kwargs: Any) -> fields.String:
    """A reference or id: required and non-empty unless told otherwise."""
    return text_field(1, MAX_REF, **kwargs)


def name_field(**kwargs: Any) -> fields.String:
    """A short required name or label."""
    return text_field(1, MAX_NAME, **kwargs)


def optional_text(max_len: int, **kwargs: Any) -> fields.String:
    """An optional string of at most ``max_len`` characters (empty allowed)."""
    return fields.String(validate=validate.Length(max=max_len), **kwargs)


class BoundedList(fields.List):
    """A ``List`` whose length bound is checked before its items are read.

    marshmallow loads every item of a list before the field's validators run, so a list far
    over its bound (85,000 empty targets fit in one 256 KiB event) cost seconds and answered
    with an error for each item. Here the ``Length`` validators run first: such a list is
    refused at once with the bound's own message, and one within it is loaded as before.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, list | tuple):
            for validator in self.validators:
                if isinstance(validator, validate.Length):
                    validator(value)
        return super()._deserialize(value, attr, data, **kwargs)


def text_list(
    max_len: int = MAX_SERVICE_TEXT, max_items: int = MAX_SERVICE_ITEMS, **kwargs: Any
) -> fields.List:
    """A list of bounded strings, itself bounded (the services' lists by default)."""
    return BoundedList(
        fields.String(validate=validate.Length(max=max_len)),
        validate=validate.Length(max=max_items),
        **kwargs,
    )


def bounded_list(
    item: fields.Field, max_items: int = MAX_SERVICE_ITEMS, **kwargs: Any
) -> fields.List:
    """A list of ``item`` with at most ``max_items`` entries."""
    return BoundedList(item, validate=validate.Length(max=max_items), **kwargs)


def window_order(data: Mapping[str, Any]) -> None:
    """Refuse a window that ends before it starts, naming ``window_end``."""
    start, end = data.get("window_start"), data.get("window_end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        raise ValidationError(
            f"must not be before window_start ({start.isoformat()})", field_name="window_end"
        )


class StrictSchema(Schema):
    """Base for contract schemas: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = RAISE
