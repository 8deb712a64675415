"""A list far over its bound is refused for its length, naming the field, before any of its
items is read: one 256 KiB event holds 85,000 empty targets, each of which marshmallow would
otherwise load and answer with an error of its own."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from riskgate.adapters.bus import encode
from riskgate.limits import MAX_EVENT_BYTES
from riskgate.schemas import BODY_CODE_MESSAGE, validate_event
from tests.unit.test_fast_path import AGREEMENT


def _agreement(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(AGREEMENT)
    target = event["payload"]["targets"][0]
    for field, value in changes.items():
        if field == "targets":
            event["payload"]["targets"] = value
        else:
            target[field] = value
    return event


CASES = [
    ("targets", [{}] * 85_000, {"targets": ["Length must be between 1 and 80."]}),
    ("targets", [1] * 120_000, {"targets": ["Length must be between 1 and 80."]}),
    ("trajectory", [{}] * 80_000, {"targets": {0: {"trajectory": ["Length must be between 1 and 5."]}}}),
    ("partners", [1] * 120_000, {"targets": {0: {"partners": ["Longer than maximum length 12."]}}}),
]  # fmt: skip


@pytest.mark.parametrize(("field", "value", "expected"), CASES)
def test_an_over_long_list_within_the_event_size_is_refused_for_its_length_alone(
    field: str, value: list[Any], expected: dict[str, Any]
) -> None:
    event = _agreement(**{field: value})
    assert len(encode(event)) <= MAX_EVENT_BYTES  # what ingest and the consumers let through

    clean, errors = validate_event(event)

    assert clean is None
    assert errors == {"payload": expected}
    assert len(json.dumps(errors)) < 200  # one message, not one per item


def test_a_list_within_its_bound_still_names_each_bad_item() -> None:
    clean, errors = validate_event(_agreement(partners=["E08000019", 1, "x"]))

    assert clean is None
    assert errors == {
        "payload": {"targets": {0: {"partners": {1: ["Not a valid string."], 2: [BODY_CODE_MESSAGE]}}}}
    }
