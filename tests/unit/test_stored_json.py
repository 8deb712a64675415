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
