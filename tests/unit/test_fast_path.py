"""Validation's fast path for `indicator.reported`, `complaint.received` and the agreements
(`schemas/fast_path.py`) gives what the schema gives, or leaves the event to the schema: over
the whole sample year, and over hostile
variations of every field, it never accepts what marshmallow refuses and never returns a
different event (values, types and key order alike)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from marshmallow import ValidationError

from riskgate.schemas import set_known_indicators, validate_event
from riskgate.schemas.envelope import _ENVELOPE
from riskgate.schemas.events import known_indicators
from riskgate.schemas.fast_path import complaint_received, fast_event, indicator_reported

BASE: dict[str, Any] = {
    "event_id": "8c0e5d8a-1111-4111-8111-111111111111",
    "type": "indicator.reported",
    "occurred_at": "2009-03-28T09:00:00+00:00",
    "source": "integrator:leeds-data-hub",
    "body": "E08000028",
    "payload": {"indicator": "NI 117", "period": "2009-Q1", "value": 11.5},
}
COMPLAINT: dict[str, Any] = {
    **BASE,
    "type": "complaint.received",
    "payload": {
        "complaint_ref": "CMP-E08000028-0001", "channel": "resident",
        "theme": "children_and_young_people", "category": "special educational needs",
        "upheld": True, "formal": False,
    },
}  # fmt: skip
HUGE = 10**400
HOSTILE: dict[str, list[Any]] = {
    "event_id": [
        "8C0E5D8A-1111-4111-8111-111111111111", "{8c0e5d8a-1111-4111-8111-111111111111}",
        "urn:uuid:8c0e5d8a-1111-4111-8111-111111111111", "8c0e5d8a111141118111111111111111",
        " 8c0e5d8a-1111-4111-8111-111111111111", "8c0e5d8a-1111-4111-8111-11111111111g",
        "8c0e5d8a-1111-4111-8111-111111111111\n", "8c0e5d8a-1111-4111-8111-١١١١١١١١١١١١",
        "", "8" * 10_000, 5, None, ["x"],
    ],
    "occurred_at": [
        "2009-03-28T09:00:00Z", "2009-03-28T09:00:00", "2009-02-30T09:00:00+00:00",
        "2009-03-28 09:00:00+00:00", "2009-03-28T09:00:00+24:00", "2009-03-28T09:00:00+00:00:30",
        "2009-03-28T09:00:00.123+00:00", "2009-03-28T09:00:00.123456+01:00",
        "2009-03-28T09:00:00.000000+00:00", "2009-03-28T24:00:00+00:00",
        "2009-03-28T09:00:00-00:00", "٢٠٠٩-03-28T09:00:00+00:00", "2009-03-28T09:00:00+00:00\n",
        "2009-03-28T09:00:60+00:00", "0000-03-28T09:00:00+00:00", "9999-12-31T23:59:59+23:59",
        "2009-03-28T09:00:00+0000", "2009-W13-6T09:00:00+00:00", "x" * 100_000, 20090328, None,
    ],
    "source": ["", "a", "a" * 100, "a" * 101, "line\nbreak", "\ud800", 7, None, ["a"]],
    "body": [
        "e08000028", "E0800002", "E080000281", "E08000028\n", "E٠٨000028", "X08000028", "",
        8000028, None,
    ],
    "type": ["indicator.reported ", "Indicator.reported", "complaint.received", "", 1, None],
    "payload": [None, [], "x", {}, 5],
    "payload.indicator": [
        "NI 1177", "NI 117\n", "ni 117", "NI 999", "NI ١١٧", "NI  117", "NI 117" + "7" * 100,
        "", 117, None,
    ],
    "payload.period": ["2009-Q5", "2009-Q1\n", "٢٠٠٩-Q1", "2009-q1", "09-Q1", "", 20091, None],
    "payload.value": [
        True, False, "1.5", None, float("nan"), float("inf"), float("-inf"), HUGE, -HUGE,
        2**63, 2**1023, 1e308, -0.0, 0, 5e-324, 12, [1], {}, 1.7976931348623157e308,
    ],
    "payload.target": [True, "1", None, float("nan"), HUGE, 0, 12.5, -3, [1]],
    "payload.unit": ["", "%", "x" * 64, "x" * 65, None, 5, "\ud800"],
}  # fmt: skip


COMPLAINT_HOSTILE: dict[str, list[Any]] = {
    "payload.complaint_ref": [
        "", "x" * 64, "x" * 65, "CMP 1", "CMP-1\n", "01632960123", "a@b.co", "CMP-١", 5, None,
    ],
    "payload.channel": ["partner", "Resident", "resident ", "", "x" * 100, 1, None],
    "payload.theme": ["use_of_resources", "safer", "", "x" * 100, None, 3],
    "payload.category": [
        "", "x" * 100, "x" * 101, "call 01632 960123", "Mrs Smith's care", "mail a@b.co",
        "my name is Jo", "ü" * 100, "\ud800", None, 1, ["x"],
    ],
    "payload.upheld": [None, True, False, 1, 0, 1.0, "true", [], {}],
    "payload.formal": [None, True, False, 1, 0, 0.0, "false"],
    "payload.partner": ["E08000019", "", None, "e08000019", "E0800001", 8000019],
    "event_id": ["8C0E5D8A-1111-4111-8111-111111111111", "", None],
    "occurred_at": ["2009-03-28T09:00:00Z", "2009-02-30T09:00:00+00:00"],
    "type": ["complaint.received ", "indicator.reported"],
}  # fmt: skip


def _mutations(
    base: dict[str, Any], hostile: dict[str, list[Any]]
) -> Iterator[tuple[str, dict[str, Any]]]:
    for field, values in hostile.items():
        for value in values:
            event = copy.deepcopy(base)
            if field.startswith("payload."):
                event["payload"][field.split(".", 1)[1]] = value
            else:
                event[field] = value
            yield f"{field}={value!r:.40}", event
    for field in list(base) + [f"payload.{k}" for k in base["payload"]]:
        event = copy.deepcopy(base)
        if field.startswith("payload."):
            del event["payload"][field.split(".", 1)[1]]
        else:
            del event[field]
        yield f"without {field}", event


def _complaint_variants() -> Iterator[tuple[str, dict[str, Any]]]:
    yield from _mutations(COMPLAINT, COMPLAINT_HOSTILE)
    partner = copy.deepcopy(COMPLAINT)
    partner["payload"].update(channel="partner", partner="E08000019")
    yield "a partner's complaint", partner
    yield from _mutations(partner, {"payload.partner": ["", None, "E0800001"]})
    reordered = copy.deepcopy(COMPLAINT)
    reordered["payload"] = dict(reversed(list(reordered["payload"].items())))
    yield "the payload's keys in another order", reordered
    yield "an extra payload field", {**COMPLAINT, "payload": {**COMPLAINT["payload"], "x": 1}}


def _target(indicator: str, kind: str = "designated", **changes: Any) -> dict[str, Any]:
    return {
        "indicator": indicator, "kind": kind, "baseline": {"period": "2007-08", "value": 52.3},
        "trajectory": [{"period": "2008-09", "value": 53.4}, {"period": "2009-10", "value": 54.5},
                       {"period": "2010-11", "value": 55.6}],
        "lead_partner": "E08000028", "partners": ["E08000019"], **changes,
    }  # fmt: skip


AGREEMENT: dict[str, Any] = {
    **BASE,
    "type": "laa.agreed",
    "payload": {
        "period_start": "2008-09", "period_end": "2010-11", "effective_from": "2008-06-30",
        "targets": [_target("NI 117"), _target("NI 2", "statutory_education"),
                    _target("NI 8", "local")],
        "data_source": "synthetic",
    },
}  # fmt: skip
AGREEMENT_HOSTILE: dict[str, list[Any]] = {
    "payload.period_start": [
        "2009-10", "2010-11", "2011-12", "2004-05", "2008-9", "2008-09\n", "٢٠٠٨-09", "", 2008,
        None,
    ],
    "payload.period_end": ["2008-09", "2007-08", "2013-14", "2012-13", "20101-11", None],
    "payload.effective_from": [
        "2008-6-30", "2008-06-31", "2008-02-29", "2008-06-30T00:00:00", "٢٠٠٨-06-30",
        "2008-06-30\n", "", "x" * 10_000, 20080630, None,
    ],
    "payload.targets": [
        [], "x", None, {}, [None], [[]], [_target("NI 117")] * 2,
    ],
    "payload.data_source": ["", "x" * 200, "x" * 201, "mail a@b.co", None, 5, ["x"]],
    "type": ["laa.refreshed", "laa.agreed ", "laa.annual_report"],
    "event_id": ["8C0E5D8A-1111-4111-8111-111111111111", None],
}  # fmt: skip
TARGET_HOSTILE: dict[str, list[Any]] = {
    "indicator": ["NI 999", "NI 2", "ni 117", "NI 117\n", "NI ١١٧", "NI 1177", "", 117, None],
    "kind": ["Designated", "designated ", "", "x" * 1000, None, 1],
    "baseline": [
        None, {}, [], {"period": "2007-08"}, {"period": "2007-08", "value": "1"},
        {"period": "2007-08", "value": True}, {"period": "2011-12", "value": 1.0},
        {"period": "2010-11", "value": 1.0}, {"period": "2007-08", "value": 1},
        {"period": "2007-08", "value": 1.0, "x": 1}, {"period": "2007-08", "value": HUGE},
        {"period": "2007-08", "value": float("nan")}, {"period": "2007-8", "value": 1.0},
    ],
    "trajectory": [
        [], None, {}, [None], [{"period": "2005-06", "value": 1.0}],
        [{"period": "2008-09", "value": 1.0}, {"period": "2008-09", "value": 2.0}],
        [{"period": "2009-10", "value": 2}], [{"period": "2009-10", "value": False}],
        [{"period": f"{y}-{y % 100 + 1:02d}", "value": 1.0} for y in range(2008, 2014)],
        [{"period": "2009-10"}], [{"period": "2009-10", "value": 1.0, "extra": 1}],
    ],
    "lead_partner": ["e08000028", "E0800002", "E08000028\n", "", None, 8000028],
    "partners": [
        None, "E08000019", [], ["E08000019"] * 12, ["E08000019"] * 13, [None], ["x"],
        ["e08000019"], [8000019],
    ],
}  # fmt: skip


def _agreement_variants() -> Iterator[tuple[str, dict[str, Any]]]:
    from riskgate.domain.reference import load_reference

    yield from _mutations(AGREEMENT, AGREEMENT_HOSTILE)
    known = sorted(load_reference().indicators)
    for name, targets in [
        ("81 targets", [_target(ni, "local") for ni in known[:81]]),
        ("36 designated", [_target(ni) for ni in known[:36]]),
        ("35 designated, 18 statutory, 27 local", [
            *(_target(ni) for ni in known[:35]),
            *(_target(ni, "statutory_education") for ni in known[35:53]),
            *(_target(ni, "local") for ni in known[53:80]),
        ]),
        ("19 statutory", [_target(ni, "statutory_education") for ni in known[:19]]),
    ]:  # fmt: skip
        event = copy.deepcopy(AGREEMENT)
        event["payload"]["targets"] = targets
        yield name, event
    for field, values in TARGET_HOSTILE.items():
        for value in [*values, "<without>"]:
            event = copy.deepcopy(AGREEMENT)
            if value == "<without>":
                del event["payload"]["targets"][0][field]
            else:
                event["payload"]["targets"][0][field] = copy.deepcopy(value)
            yield f"targets.0.{field}={value!r:.40}", event
    extra = copy.deepcopy(AGREEMENT)
    extra["payload"]["targets"][1]["extra"] = 1
    yield "an extra target field", extra
    reordered = copy.deepcopy(AGREEMENT)
    reordered["payload"] = dict(reversed(list(reordered["payload"].items())))
    reordered["payload"]["targets"] = [
        dict(reversed(list(t.items()))) for t in reordered["payload"]["targets"]
    ]
    yield "the payload's and targets' keys in another order", reordered


def _variants() -> Iterator[tuple[str, dict[str, Any]]]:
    yield from _agreement_variants()
    yield from _complaint_variants()
    yield from _mutations(BASE, HOSTILE)
    yield "an extra field", {**copy.deepcopy(BASE), "extra": 1}
    yield "an extra payload field", {**BASE, "payload": {**BASE["payload"], "extra": 1}}
    yield "integers everywhere", {**BASE, "payload": {**BASE["payload"], "value": 3, "target": 4}}
    yield "the payload's keys in another order", {
        **BASE, "payload": {"unit": "%", "target": 1.5, "value": 2.0, "period": "2009-Q2",
                            "indicator": "NI 117"},
    }  # fmt: skip


def _schema(raw: dict[str, Any]) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = _ENVELOPE.load(raw)
    except ValidationError:
        return None
    return loaded


def _same(fast: dict[str, Any], slow: dict[str, Any] | None) -> bool:
    """Equal values of equal types in the same key order (json.dumps keeps the order)."""
    return (
        slow is not None
        and json.dumps(fast) == json.dumps(slow)
        and [type(v) for v in fast["payload"].values()]
        == [type(v) for v in slow["payload"].values()]
    )


@pytest.fixture(params=["known indicators", "no indicator list"])
def indicators(request: pytest.FixtureRequest) -> Iterator[None]:
    before = known_indicators()
    if request.param == "no indicator list":
        set_known_indicators(None)
    else:
        from riskgate.domain.reference import load_reference

        set_known_indicators(load_reference().indicators)
    try:
        yield
    finally:
        set_known_indicators(before)


def test_the_fast_path_agrees_with_the_schema_on_every_hostile_variation(indicators: None) -> None:
    taken = 0
    kinds: set[str] = set()
    for name, raw in _variants():
        fast = fast_event(raw)
        if fast is None:
            continue  # left to the schema: validate_event is the schema's answer
        taken += 1
        kinds.add(fast["type"])
        assert _same(fast, _schema(raw)), name
        assert validate_event(raw) == (fast, {}), name
    assert taken >= 20  # the canonical variations do take it
    assert kinds == {"indicator.reported", "complaint.received", "laa.agreed", "laa.refreshed"}


_FAST = ("indicator.reported", "complaint.received", "laa.agreed", "laa.refreshed")


def test_the_fast_path_takes_the_sample_years_indicators_and_gives_the_schemas_events(
    sample_year: list[dict[str, Any]],
) -> None:
    from riskgate.domain.reference import load_reference

    before = known_indicators()
    set_known_indicators(load_reference().indicators)
    try:
        indicators = [e for e in sample_year if e["type"] == "indicator.reported"]
        fast = [indicator_reported(e) for e in indicators]
        assert all(f is not None for f in fast)  # every one of them: the path is the usual one
        for event, clean in zip(indicators, fast, strict=True):
            assert clean is not None and _same(clean, _schema(event)), event["event_id"]
        complaints = [e for e in sample_year if e["type"] == "complaint.received"]
        fast = [complaint_received(e) for e in complaints]
        assert complaints and all(f is not None for f in fast)
        for event, clean in zip(complaints, fast, strict=True):
            assert clean is not None and _same(clean, _schema(event)), event["event_id"]
        agreements = [e for e in sample_year if e["type"] in ("laa.agreed", "laa.refreshed")]
        fast = [fast_event(e) for e in agreements]
        assert agreements and all(f is not None for f in fast)
        for event, clean in zip(agreements, fast, strict=True):
            assert clean is not None and json.dumps(clean) == json.dumps(_schema(event))
        others = [e for e in sample_year if e["type"] not in _FAST]
        assert others and all(fast_event(e) is None for e in others)
    finally:
        set_known_indicators(before)


def test_an_unknown_indicator_is_refused_by_the_schema_naming_it() -> None:
    from riskgate.domain.reference import load_reference

    before = known_indicators()
    set_known_indicators(load_reference().indicators)
    try:
        raw = {**BASE, "payload": {**BASE["payload"], "indicator": "NI 999"}}
        assert indicator_reported(raw) is None
        event, errors = validate_event(raw)
        assert event is None and "unknown indicator 'NI 999'" in json.dumps(errors["payload"])
    finally:
        set_known_indicators(before)


def test_personal_data_in_a_complaint_is_refused_by_the_schema_naming_the_field() -> None:
    raw = copy.deepcopy(COMPLAINT)
    raw["payload"]["category"] = "care for Mrs Smith, call 01632 960123"
    assert complaint_received(raw) is None
    event, errors = validate_event(raw)
    assert event is None and "personal data" in json.dumps(errors["payload"]["category"])
