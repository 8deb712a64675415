"""The stored JSON form: what `loads` reads back is what `json.loads` would, and what
`json.loads` refuses it refuses alike."""

from __future__ import annotations

import json

import pytest

from riskgate.service_layer.repositories.stored_json import dumps, loads

DOCS = [
    {"value": 45.06, "event_id": "e1", "reported_at": "2009-04-30T09:00:00+00:00"},
    {"use_of_resources": 3, "managing_performance": None, "evidence": ["a", "b"]},
    {"name": "Bristol, City of", "note": "‘quoted’ \u00e9\n"},
    [1, 2.5, "x"],
    "text",
    0,
]


@pytest.mark.parametrize("doc", DOCS)
def test_a_stored_document_reads_back_as_json_loads_reads_it(doc: object) -> None:
    text = dumps(doc)
    assert loads(text) == json.loads(text) == doc


@pytest.mark.parametrize("text", [' {"a": 1}', '{"a": 1}\n', "\t[1, 2] "])
def test_whitespace_around_a_document_is_read_as_json_loads_reads_it(text: str) -> None:
    assert loads(text) == json.loads(text)


@pytest.mark.parametrize("text", ['{"a": 1}{"b": 2}', '{"a": 1} x', "", "{", "nan?"])
def test_what_json_loads_refuses_is_refused_alike(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as refused:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as also:
        loads(text)
    assert str(also.value) == str(refused.value)


# What the risk service keeps of an indicator value is parsed back once and then remembered:
# the values it writes itself are remembered as they are written, without the parse. Each must
# read back exactly as the stored text parses (a fresh process, or another worker, reads that).
ROUND_TRIP_VALUES = [45.06, 1e-07, 1e-05, 1e16, 2**70, -0.0, 0.0, 7, 0.1 + 0.2, True, 5e-324]


def test_indicator_values_read_back_as_their_stored_text_parses() -> None:
    from riskgate.adapters.store import MemoryStore
    from riskgate.service_layer.repositories.risk_facts import RiskFacts
    from riskgate.service_layer.unit_of_work import UnitOfWork

    store = MemoryStore()
    reports = [
        ("E10000001", "NI 1", f"{2000 + i}-Q1", value, f"e{i}", "2009-04-30T09:00:00+00:00")
        for i, value in enumerate([*ROUND_TRIP_VALUES, float("nan"), float("inf")])
    ]
    work = UnitOfWork("risk")
    RiskFacts(store).bound_to(work).record_indicators(reports)
    work.commit(None, store)

    read = RiskFacts(store).indicator_series("E10000001", "NI 1")
    stored = store.hgetall("risk:ind:E10000001:NI 1")
    assert sorted(read) == sorted(stored) and len(read) == len(reports)
    for period, text in stored.items():
        parsed = json.loads(text)
        value, event_id = read[period]
        assert event_id == parsed["event_id"]
        assert type(value) is type(parsed["value"]), (period, value)
        assert repr(value) == repr(parsed["value"]), (period, value)
