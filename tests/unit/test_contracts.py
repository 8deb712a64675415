"""The integrator-facing contract: exported files are current, examples valid, errors clear."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskgate import limits, schemas
from riskgate.domain.vocabulary import EVENT_TYPES, INTERNAL_TYPES
from riskgate.schemas import validate_event
from riskgate.schemas.export import examples, export

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
STALE = (
    "contracts/ is out of date with riskgate.schemas: run `make contracts` and commit the result"
)


def _files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.json"))}


def _example(event_type: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(
        (CONTRACTS / "examples" / f"{event_type}.json").read_text(encoding="utf-8")
    )
    return event


def _errors_for(event: dict[str, Any]) -> dict[str, Any]:
    clean, errors = validate_event(event)
    assert clean is None, "an invalid event must not come back as clean"
    return errors


@pytest.fixture
def restore_known_indicators() -> Iterator[None]:
    before = schemas.known_indicators()
    yield
    schemas.set_known_indicators(before)


@pytest.mark.parametrize("folder", ["v1", "examples"])
def test_committed_contract_files_match_a_fresh_export(tmp_path: Path, folder: str) -> None:
    export(tmp_path)
    examples(tmp_path)
    fresh, committed = _files(tmp_path / folder), _files(CONTRACTS / folder)
    assert sorted(committed) == sorted(fresh), STALE
    for name, content in fresh.items():
        assert committed[name] == content, f"{folder}/{name}: {STALE}"


def test_there_is_one_example_per_event_type() -> None:
    names = {path.name for path in (CONTRACTS / "examples").glob("*.json")}
    assert names == {f"{t}.json" for t in EVENT_TYPES + INTERNAL_TYPES}


@pytest.mark.parametrize("event_type", EVENT_TYPES + INTERNAL_TYPES)
def test_every_example_validates_and_comes_back_json_safe(event_type: str) -> None:
    event = _example(event_type)
    clean, errors = validate_event(event)
    assert errors == {}
    assert clean is not None and clean["type"] == event_type == event["type"]
    assert json.loads(json.dumps(clean)) == clean


def test_a_loaded_event_normalises_the_envelope() -> None:
    event = _example("indicator.reported")
    event["event_id"] = event["event_id"].upper()
    event["occurred_at"] = "2009-10-15T09:00:00Z"
    clean, _ = validate_event(event)
    assert clean is not None
    assert clean["event_id"] == event["event_id"].lower()
    assert clean["occurred_at"] == "2009-10-15T09:00:00+00:00"


def test_payload_dates_come_back_as_iso_strings_and_defaults_are_filled() -> None:
    event = _example("inspection.requested")
    for key in ("evidence", "rule_ids", "urgency"):
        del event["payload"][key]
    clean, _ = validate_event(event)
    assert clean is not None
    payload = clean["payload"]
    assert payload["window_start"] == "2010-01-11"
    assert (payload["evidence"], payload["rule_ids"], payload["urgency"]) == ([], [], "normal")


def test_missing_event_id_is_named() -> None:
    event = _example("indicator.reported")
    del event["event_id"]
    assert _errors_for(event) == {"event_id": ["Missing data for required field."]}


def test_a_naive_occurred_at_is_rejected_for_its_missing_offset() -> None:
    event = _example("indicator.reported")
    event["occurred_at"] = "2009-10-15T10:00:00"
    assert _errors_for(event) == {"occurred_at": ["must include a time zone offset"]}


@pytest.mark.parametrize("code", ["10000014", "E1000001", "X10000014", "E10000014\n", "e10000014"])
def test_a_bad_body_code_names_the_expected_form(code: str) -> None:
    event = _example("indicator.reported")
    event["body"] = code
    errors = _errors_for(event)
    assert list(errors) == ["body"]
    assert "E10000014" in errors["body"][0] and "eight digits" in errors["body"][0]


def test_an_unknown_type_is_named_with_the_choices() -> None:
    event = _example("indicator.reported")
    event["type"] = "indicator.guessed"
    errors = _errors_for(event)
    assert list(errors) == ["type"]
    assert "unknown event type 'indicator.guessed'" in errors["type"][0]
    assert "indicator.reported" in errors["type"][0]


def test_a_non_numeric_value_is_reported_under_payload() -> None:
    event = _example("indicator.reported")
    event["payload"]["value"] = "six point four"
    assert _errors_for(event) == {"payload": {"value": ["Not a valid number."]}}


def test_payload_errors_are_reported_together_with_envelope_errors() -> None:
    event = _example("indicator.reported")
    event["body"] = "Hampshire"
    event["payload"]["period"] = "2009-Q5"
    errors = _errors_for(event)
    assert set(errors) == {"body", "payload"}
    assert errors["payload"] == {"period": ["must be a calendar quarter like '2009-Q3'"]}


def test_a_partner_complaint_needs_the_partner_code() -> None:
    event = _example("complaint.received")
    event["payload"]["channel"] = "partner"
    assert _errors_for(event) == {"payload": {"partner": ["required when channel is 'partner'"]}}
    event["payload"]["partner"] = "E10000014"
    assert validate_event(event)[1] == {}


def test_a_window_ending_before_it_starts_is_rejected_at_window_end() -> None:
    event = _example("inspection.requested")
    event["payload"]["window_start"], event["payload"]["window_end"] = "2010-03-26", "2010-01-11"
    errors = _errors_for(event)
    assert list(errors) == ["payload"] and list(errors["payload"]) == ["window_end"]
    assert "before window_start" in errors["payload"]["window_end"][0]


def test_unknown_fields_are_rejected_in_envelope_and_payload() -> None:
    event = _example("petition.submitted")
    event["priority"] = "high"
    event["payload"]["signatories"] = ["a resident"]
    assert _errors_for(event) == {
        "priority": ["Unknown field."],
        "payload": {"signatories": ["Unknown field."]},
    }


@pytest.mark.parametrize("raw", [None, "an event", 42, [{"type": "indicator.reported"}]])
def test_a_non_object_is_rejected_as_a_whole(raw: object) -> None:
    assert validate_event(raw) == (None, {"_schema": ["Each event must be a JSON object."]})


def test_strings_do_not_pass_for_numbers_or_booleans() -> None:
    event = _example("ccfa.responded")
    event["payload"]["resolved"] = "yes"
    assert _errors_for(event) == {"payload": {"resolved": ["Not a valid boolean."]}}
    event = _example("indicator.reported")
    event["payload"]["value"] = "6.4"
    assert _errors_for(event) == {"payload": {"value": ["Not a valid number."]}}


@pytest.mark.usefixtures("restore_known_indicators")
def test_known_indicators_reject_an_id_outside_the_set() -> None:
    schemas.set_known_indicators({"NI 117"})
    event = _example("indicator.reported")
    event["payload"]["indicator"] = "NI 999"
    assert _errors_for(event) == {
        "payload": {"indicator": ["unknown indicator 'NI 999': not in the National Indicator Set"]}
    }
    assert validate_event(_example("indicator.reported"))[1] == {}


@pytest.mark.usefixtures("restore_known_indicators")
def test_without_known_indicators_only_the_format_is_checked() -> None:
    schemas.set_known_indicators(None)
    event = _example("indicator.reported")
    event["payload"]["indicator"] = "NI 999"
    assert validate_event(event)[1] == {}
    event["payload"]["indicator"] = "NI117"
    assert list(_errors_for(event)["payload"]) == ["indicator"]


def test_a_clean_event_is_a_copy_that_does_not_alias_the_input() -> None:
    event = _example("self_assessment.submitted")
    original = copy.deepcopy(event)
    clean, _ = validate_event(event)
    assert clean is not None
    clean["payload"]["concerns"].clear()
    assert event == original


@pytest.mark.parametrize("event_type", ["indicator.reported", "inspection.requested"])
def test_examples_also_pass_their_exported_json_schema(event_type: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(
        (CONTRACTS / "v1" / f"{event_type}.schema.json").read_text(encoding="utf-8")
    )
    validator = jsonschema.Draft202012Validator(document)
    assert list(validator.iter_errors(_example(event_type))) == []
    wrong = _example(event_type)
    wrong["type"] = "petition.submitted"
    assert list(validator.iter_errors(wrong)) != []


# --- bounds: every string and list in the contract has a maximum --------------------------

# json.dumps (ensure_ascii, as the bus encodes) spells one character in at most 12 bytes:
# an astral character becomes a pair of \uXXXX escapes.
BYTES_PER_CHARACTER = 12
TOO_LONG = re.compile(r"(Longer than maximum length|Length must be between \d+ and) \d+")
NUMBER_BYTES = 24  # the longest repr of a float, e.g. -1.7976931348623157e+308


def _exported() -> dict[str, dict[str, Any]]:
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((CONTRACTS / "v1").glob("*.schema.json"))
    }


def _nodes(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "type" in node:
            yield where, node
        for key, child in node.items():
            yield from _nodes(child, f"{where}/{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _nodes(child, f"{where}/{index}")


def _types(node: dict[str, Any]) -> list[str]:
    kind = node["type"]
    return kind if isinstance(kind, list) else [kind]


@pytest.mark.parametrize("name", sorted(_exported()))
def test_every_string_in_the_exported_schema_has_a_max_length(name: str) -> None:
    unbounded = [
        where
        for where, node in _nodes(_exported()[name])
        if "string" in _types(node) and not isinstance(node.get("maxLength"), int)
    ]
    assert unbounded == [], f"{name}: strings without maxLength at {unbounded}"


@pytest.mark.parametrize("name", sorted(_exported()))
def test_every_list_in_the_exported_schema_has_a_max_length(name: str) -> None:
    unbounded = [
        where
        for where, node in _nodes(_exported()[name])
        if "array" in _types(node) and not isinstance(node.get("maxItems"), int)
    ]
    assert unbounded == [], f"{name}: arrays without maxItems at {unbounded}"


def _largest_encoding(node: dict[str, Any]) -> int:
    """An upper bound on the bytes of any value this JSON Schema node accepts, as encoded."""
    sizes = []
    for kind in _types(node):
        if kind == "string":
            words = node.get("enum") or ([node["const"]] if "const" in node else None)
            longest = max(len(str(w)) for w in words) if words else node["maxLength"]
            sizes.append(2 + longest * (1 if words else BYTES_PER_CHARACTER))
        elif kind in ("integer", "number"):
            sizes.append(NUMBER_BYTES)
        elif kind in ("boolean", "null"):
            sizes.append(5)
        elif kind == "array":
            sizes.append(2 + node["maxItems"] * (_largest_encoding(node["items"]) + 1))
        elif kind == "object":
            assert node.get("additionalProperties") is False, "an open object has no bound"
            sizes.append(
                2 + sum(len(k) + 4 + _largest_encoding(v) for k, v in node["properties"].items())
            )
    return max(sizes)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_the_biggest_valid_integrator_event_fits_the_event_size_limit(event_type: str) -> None:
    document = _exported()[f"{event_type}.schema.json"]
    assert _largest_encoding(document) <= limits.MAX_EVENT_BYTES


@pytest.mark.parametrize(
    ("field", "value"),
    [("source", "s" * 101), ("body", "E" + "1" * 5000)],
)
def test_a_too_long_envelope_string_is_refused_naming_the_field(field: str, value: str) -> None:
    event = _example("petition.submitted")
    event[field] = value
    errors = _errors_for(event)
    assert list(errors) == [field]
    assert TOO_LONG.match(errors[field][0]), errors[field][0]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("neighbourhood", "a" * 201),
        ("topic", "t" * 1_000_000),
        ("petition_ref", "P" * 65),
        ("theme", "x" * 100_000),
    ],
)
def test_a_too_long_payload_string_is_refused_naming_the_field(field: str, value: str) -> None:
    event = _example("petition.submitted")
    event["payload"][field] = value
    errors = _errors_for(event)
    assert list(errors) == ["payload"] and list(errors["payload"]) == [field]
    assert errors["payload"][field] == [errors["payload"][field][0]]
    assert TOO_LONG.match(errors["payload"][field][0]), errors["payload"][field][0]
    assert value not in json.dumps(errors), "the input is not echoed back"


def test_a_list_over_its_maximum_is_refused_naming_the_list() -> None:
    event = _example("ccfa.raised")
    event["payload"]["bodies"] = [event["body"]] * 51
    assert _errors_for(event) == {"payload": {"bodies": ["Length must be between 1 and 50."]}}


def test_a_uuid_spelt_with_a_thousand_hyphens_is_refused() -> None:
    event = _example("petition.submitted")
    event["event_id"] = "-" * 1000 + event["event_id"]
    assert _errors_for(event) == {"event_id": ["Longer than maximum length 45."]}
