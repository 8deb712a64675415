"""The common case of validation, without marshmallow's per-field machinery.

Nineteen events in twenty are `indicator.reported` (120,384 of the sample year's 127,411), most
of the rest `complaint.received` (5,359), and marshmallow spends about 47 µs on each: most of
the embedded pipeline's validation and, on Kafka, most of ingest's time. `fast_event` accepts
only such an event already in the form validation would give back (a lowercase UUID, an ISO
date-time with its offset as `isoformat` writes it, every field of the contract's own type, no
field it does not know, no personal data) and returns what `validate_event` would return for
it, value for value and key for key. Anything else, valid or not, it leaves to the schema
(returns None), so every error still comes from marshmallow, naming the field and the reason.

The agreements (`laa.agreed`, `laa.refreshed`) are rarer (152 in the year) but large: 45
targets of nested baselines and trajectories cost marshmallow about 2.8 ms each, as much as
600 indicator reports. Their fast path checks each field as its schema does and then runs the
schema's own checks across fields (`schemas/laa.check_agreement`: counts, periods, duplicate
and unknown indicators), in about a quarter of the time.

`tests/unit/test_fast_path.py` holds the two equal over the sample year and over hostile
variations of every field.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError

from riskgate.domain.laa import MAX_LAA_PARTNERS, MAX_LAA_TARGETS, MAX_LAA_YEARS, TARGET_KINDS
from riskgate.domain.vocabulary import THEMES
from riskgate.schemas.events import known_indicators
from riskgate.schemas.fields import (
    BODY_CODE_PATTERN,
    COMPLAINT_CHANNELS,
    INDICATOR_PATTERN,
    MAX_ISO_TIME,
    MAX_NAME,
    MAX_REF,
    MAX_SOURCE,
    PERIOD_PATTERN,
    REF_PATTERN,
)
from riskgate.schemas.laa import check_agreement
from riskgate.schemas.personal_data import personal_data_in

# The schema's own patterns (FullMatch applies them with fullmatch, as here).
_BODY = re.compile(BODY_CODE_PATTERN)
_INDICATOR = re.compile(INDICATOR_PATTERN)
_PERIOD = re.compile(PERIOD_PATTERN)
# The canonical spellings validation gives back: str(uuid.UUID(...)) and datetime.isoformat().
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?[+-][0-9]{2}:[0-9]{2}"
)
_ENVELOPE = frozenset({"event_id", "type", "occurred_at", "source", "body", "payload"})
_PAYLOAD = frozenset({"indicator", "period", "value", "target", "unit"})
_REQUIRED = frozenset({"indicator", "period", "value"})
_COMPLAINT = frozenset(
    {"complaint_ref", "channel", "theme", "category", "upheld", "formal", "partner"}
)
_COMPLAINT_REQUIRED = frozenset({"complaint_ref", "channel", "theme", "category"})
_REF = re.compile(REF_PATTERN)


def _number(value: Any) -> float | None:
    """A JSON number as the schema's StrictFloat loads it (None: leave it to the schema)."""
    if type(value) is float:
        return value if math.isfinite(value) else None
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:
            return None
    return None


def _text(value: Any, longest: int) -> bool:
    return type(value) is str and len(value) <= longest


def _canonical(parse: Callable[[str], dt.date], text: str) -> bool:
    """Whether `text` is a real day or moment written as its `isoformat()` writes it."""
    try:
        return parse(text).isoformat() == text
    except ValueError:
        return False


def _envelope(raw: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The payload of a canonical envelope of type `kind` (None: leave it to the schema)."""
    if raw.keys() != _ENVELOPE or raw["type"] != kind:
        return None
    event_id, moment, source, body, payload = (
        raw["event_id"], raw["occurred_at"], raw["source"], raw["body"], raw["payload"],
    )  # fmt: skip
    if not (
        type(event_id) is str
        and _UUID.fullmatch(event_id)
        and type(moment) is str
        and len(moment) <= MAX_ISO_TIME
        and _MOMENT.fullmatch(moment)
        and type(source) is str
        and 1 <= len(source) <= MAX_SOURCE
        and type(body) is str
        and _BODY.fullmatch(body)
        and type(payload) is dict
    ):
        return None
    return payload if _canonical(dt.datetime.fromisoformat, moment) else None


def _event(raw: dict[str, Any], clean: dict[str, Any]) -> dict[str, Any]:
    """The clean event as the schema's post_load builds it, in its key order."""
    return {
        "event_id": raw["event_id"],
        "type": raw["type"],
        "occurred_at": raw["occurred_at"],
        "source": raw["source"],
        "body": raw["body"],
        "payload": clean,
    }


def indicator_reported(raw: dict[str, Any]) -> dict[str, Any] | None:
    """`validate_event(raw)`'s clean event for a canonical `indicator.reported`, else None."""
    payload = _envelope(raw, "indicator.reported")
    if payload is None or not _REQUIRED <= payload.keys() <= _PAYLOAD:
        return None
    indicator, period = payload["indicator"], payload["period"]
    known = known_indicators()
    if not (
        _text(indicator, MAX_REF)
        and _INDICATOR.fullmatch(indicator)
        and (known is None or indicator in known)
        and _text(period, MAX_REF)
        and _PERIOD.fullmatch(period)
    ):
        return None
    value = _number(payload["value"])
    if value is None:
        return None
    clean: dict[str, Any] = {"indicator": indicator, "period": period, "value": value}
    if "target" in payload:
        target = _number(payload["target"])
        if target is None:
            return None
        clean["target"] = target
    if "unit" in payload:
        if not _text(payload["unit"], MAX_REF):
            return None
        clean["unit"] = payload["unit"]
    return _event(raw, clean)


def complaint_received(raw: dict[str, Any]) -> dict[str, Any] | None:
    """`validate_event(raw)`'s clean event for a canonical `complaint.received` that carries no
    personal data, else None (the schema then names what is wrong)."""
    payload = _envelope(raw, "complaint.received")
    if payload is None or not _COMPLAINT_REQUIRED <= payload.keys() <= _COMPLAINT:
        return None
    ref, channel, theme, category = (
        payload["complaint_ref"], payload["channel"], payload["theme"], payload["category"],
    )  # fmt: skip
    if not (
        _text(ref, MAX_REF)
        and _REF.fullmatch(ref)
        and type(channel) is str
        and channel in COMPLAINT_CHANNELS
        and type(theme) is str
        and theme in THEMES
        and _text(category, 100)
        and category
    ):
        return None
    clean: dict[str, Any] = {
        "complaint_ref": ref, "channel": channel, "theme": theme, "category": category,
    }  # fmt: skip
    if "upheld" in payload:
        upheld = payload["upheld"]
        if upheld is not True and upheld is not False and upheld is not None:
            return None
        clean["upheld"] = upheld
    formal = payload.get("formal", False)
    if formal is not True and formal is not False:
        return None
    clean["formal"] = formal
    if "partner" in payload:
        partner = payload["partner"]
        if not (type(partner) is str and _BODY.fullmatch(partner)):
            return None
        clean["partner"] = partner
    elif channel == "partner":
        return None  # the schema asks for the partner's code
    if personal_data_in(ref) or personal_data_in(category):
        return None  # the schema refuses it, naming the field
    return _event(raw, clean)


_FY = re.compile(r"[0-9]{4}-[0-9]{2}")  # FY_PATTERN, in ASCII digits (others: the schema)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # as date.isoformat() writes it
_AGREEMENT = frozenset({"period_start", "period_end", "effective_from", "targets", "data_source"})
_AGREEMENT_REQUIRED = _AGREEMENT - {"data_source"}
_TARGET = frozenset({"indicator", "kind", "baseline", "trajectory", "lead_partner", "partners"})
_TARGET_REQUIRED = _TARGET - {"partners"}
_POINT = frozenset({"period", "value"})


def _point(raw: Any) -> dict[str, Any] | None:
    """A baseline or trajectory point as its schema loads it."""
    if type(raw) is not dict or raw.keys() != _POINT:
        return None
    period, value = raw["period"], _number(raw["value"])
    if type(period) is not str or not _FY.fullmatch(period) or value is None:
        return None
    return {"period": period, "value": value}


def _target(raw: Any) -> dict[str, Any] | None:
    """One target as LaaTargetSchema loads it, fields in its order (`partners` defaulted)."""
    if type(raw) is not dict or not _TARGET_REQUIRED <= raw.keys() <= _TARGET:
        return None
    indicator, kind, lead = raw["indicator"], raw["kind"], raw["lead_partner"]
    trajectory, partners = raw["trajectory"], raw.get("partners", [])
    if not (
        _text(indicator, MAX_REF)
        and _INDICATOR.fullmatch(indicator)
        and type(kind) is str
        and kind in TARGET_KINDS
        and type(lead) is str
        and _BODY.fullmatch(lead)
        and type(trajectory) is list
        and 1 <= len(trajectory) <= MAX_LAA_YEARS
        and type(partners) is list
        and len(partners) <= MAX_LAA_PARTNERS
        and all(type(p) is str and _BODY.fullmatch(p) for p in partners)
    ):
        return None
    baseline = _point(raw["baseline"])
    points = [_point(point) for point in trajectory]
    if baseline is None or any(point is None for point in points):
        return None
    return {
        "indicator": indicator, "kind": kind, "baseline": baseline, "trajectory": points,
        "lead_partner": lead, "partners": list(partners),
    }  # fmt: skip


def laa_agreement(raw: dict[str, Any]) -> dict[str, Any] | None:
    """`validate_event(raw)`'s clean event for a canonical `laa.agreed` or `laa.refreshed`
    (`schemas/laa.py`) that passes the agreement's checks, else None."""
    payload = _envelope(raw, raw["type"])
    if payload is None or not _AGREEMENT_REQUIRED <= payload.keys() <= _AGREEMENT:
        return None
    start, end, day, targets = (
        payload["period_start"], payload["period_end"], payload["effective_from"],
        payload["targets"],
    )  # fmt: skip
    if not (
        type(start) is str
        and _FY.fullmatch(start)
        and type(end) is str
        and _FY.fullmatch(end)
        and type(day) is str
        and _DAY.fullmatch(day)
        and type(targets) is list
        and 1 <= len(targets) <= MAX_LAA_TARGETS
    ):
        return None
    if not _canonical(dt.date.fromisoformat, day):
        return None
    clean_targets = [_target(target) for target in targets]
    if any(target is None for target in clean_targets):
        return None
    clean: dict[str, Any] = {
        "period_start": start, "period_end": end, "effective_from": day,
        "targets": clean_targets,
    }  # fmt: skip
    if "data_source" in payload:
        if not _text(payload["data_source"], MAX_NAME):
            return None
        clean["data_source"] = payload["data_source"]
    try:
        check_agreement(clean)  # the schema's own checks across fields
    except ValidationError:
        return None  # the schema then names what is wrong
    return _event(raw, clean)


_BY_TYPE = {
    "indicator.reported": indicator_reported,
    "complaint.received": complaint_received,
    "laa.agreed": laa_agreement,
    "laa.refreshed": laa_agreement,
}


def fast_event(raw: dict[str, Any]) -> dict[str, Any] | None:
    """The clean event for the common canonical cases (see the module), else None."""
    path = _BY_TYPE.get(raw.get("type"))  # type: ignore[arg-type]
    return path(raw) if path is not None else None
