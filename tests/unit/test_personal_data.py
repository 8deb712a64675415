"""Complainants, petitioners and councillors appear only under pseudonymous references: a
citizen-facing payload carrying a name, an e-mail address or a phone number in any field is
refused with the field named, and such data never reaches a topic (not even the dead-letter
topic, when it arrives straight on the bus). Embedded adapters here; the same on Kafka is in
tests/integration/test_citizens_story.py."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient

from riskgate import topics
from riskgate.adapters.bus import encode
from riskgate.bootstrap import System
from riskgate.entrypoints.http import create_app
from riskgate.schemas import personal_data_in

BURNLEY = "E07000117"
LANCASHIRE = "E10000017"  # Burnley's area: events about Burnley are keyed by it


@pytest.fixture
def client(system: System) -> FlaskClient:
    app = create_app(system)
    app.config["TESTING"] = True
    return app.test_client()


def _event(type_: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "type": type_, "occurred_at": "2009-05-01T10:00:00+01:00",
        "source": "burnley-borough-council", "body": BURNLEY, "payload": payload,
    }  # fmt: skip


def _complaint(**fields: Any) -> dict[str, Any]:
    payload = {"complaint_ref": "C-1", "channel": "resident",
               "theme": "healthier_communities_and_older_people", "category": "home care",
               "upheld": True, **fields}  # fmt: skip
    return _event("complaint.received", payload)


CASES = [
    (_complaint(category="from jane.doe@example.org about home care"), "category", "e-mail"),
    (_complaint(category="ring 01282 425011 after 6pm"), "category", "phone number"),
    (_complaint(category="Mrs Patel's home care visits"), "category", "person's name"),
    (
        _event("petition.submitted", {
            "petition_ref": "P-1", "topic": "Save the day centre, organised by Mr Ahmed",
            "theme": "healthier_communities_and_older_people", "signatures": 900,
            "neighbourhood": "Daneshouse"}),
        "topic",
        "person's name",
    ),
    (
        _event("ccfa.raised", {
            "case_ref": "CC-1", "councillor_ref": "CLLR-1", "ward": "Daneshouse",
            "issue": "contact the resident on +44 7700 900123",
            "theme": "safer_and_stronger_communities", "bodies": [BURNLEY]}),
        "issue",
        "phone number",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("event", "field", "what"), CASES)
def test_personal_data_is_refused_naming_the_field_and_nothing_is_published(
    system: System, client: FlaskClient, event: dict[str, Any], field: str, what: str
) -> None:
    token = system.tokens.create("integrator")
    response = client.post("/v1/events", json=[event], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    errors = response.get_json()["errors"]["0"]["payload"]
    assert any(what in reason and "pseudonymous" in reason for reason in errors[field])
    assert system.bus.read_all(topics.EVENTS) == []


def test_the_same_payloads_without_personal_data_are_accepted(
    system: System, client: FlaskClient
) -> None:
    token = system.tokens.create("integrator")
    clean = [_complaint(category="home care visits cut short"), _complaint(complaint_ref="C-2")]
    response = client.post("/v1/events", json=clean, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 202
    assert len(system.bus.read_all(topics.EVENTS)) == 2


def test_personal_data_arriving_straight_on_the_bus_is_dead_lettered_without_the_data(
    system: System,
) -> None:
    # Integrators may produce straight to the events topic only on Kafka (embedded, ingest is
    # the one way in and the consumers trust its log): the consumers read it as they do there,
    # validating every event, on the memory bus.
    system.settings = replace(system.settings, kafka_bootstrap_servers="kafka:9092")
    bad = _complaint(category="write to jane.doe@example.org")
    system.bus.publisher().publish_raw(topics.EVENTS, LANCASHIRE, encode(bad))
    good = _complaint(complaint_ref="C-3")
    system.bus.publisher().publish(topics.EVENTS, LANCASHIRE, good)
    system.pump()
    letters = [json.loads(r.value) for r in system.bus.read_all(topics.DEAD_LETTERS)]
    assert letters, "the bad message was dead-lettered"
    for letter in letters:
        assert "personal data (an e-mail address)" in letter["reason"]
        assert "jane.doe" not in json.dumps(letter)
    # The consumers carried on: the good message after it was applied.
    assert system.store.sismember("done:risk", good["event_id"])
    assert system.store.sismember("done:citizens", good["event_id"])


@pytest.mark.parametrize(
    "text",
    ["Bins not collected on Elm Road", "NI 117 above the floor", "Ref C-2009-0042",
     "we miss the weekly collection", "population 120000", "2009-Q1"],
)  # fmt: skip
def test_ordinary_words_and_figures_are_not_taken_for_personal_data(text: str) -> None:
    assert personal_data_in(text) is None


# Strings that made the old patterns backtrack for minutes; each is a megabyte. The outcome is
# asserted, never the time: a quadratic pattern would leave these tests hanging.
ADVERSARIAL = {
    "letters": "a" * 1_000_000,
    "a@ repeated": "a@" * 500_000,
    "a local part without a domain": "a." * 500_000 + "@",
    "a domain without a top-level part": "x@" + "a." * 500_000 + "1",
    "digit runs with separators": "01234 5678-" * 90_000,
    "a title and spaces": "Mr" + " " * 1_000_000,
    "name: and spaces": "name:" + " " * 1_000_000 + "1",
}


@pytest.mark.parametrize("text", list(ADVERSARIAL.values()), ids=list(ADVERSARIAL))
def test_a_megabyte_of_adversarial_text_is_read_through_to_the_end(text: str) -> None:
    found = personal_data_in(text)
    assert found in (None, "a phone number")  # digit runs of eleven are phone-shaped
    assert personal_data_in(text + " jane.doe@example.org") == "an e-mail address"


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("a@" * 90 + " jane@example.org", "e-mail"),
        ("a" * 150 + " +44 7700 900123", "phone number"),
        ("Mr" + " " * 150 + "Ahmed", "person's name"),
    ],
)
def test_adversarial_text_within_the_length_limit_is_refused_naming_the_field(
    system: System, client: FlaskClient, text: str, what: str
) -> None:
    token = system.tokens.create("integrator")
    event = _event("petition.submitted", {
        "petition_ref": "P-9", "topic": text, "theme": "healthier_communities_and_older_people",
        "signatures": 900, "neighbourhood": "Daneshouse"})  # fmt: skip
    response = client.post("/v1/events", json=event, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    reasons = response.get_json()["errors"]["payload"]["topic"]
    assert any(what in reason for reason in reasons)
    assert system.bus.read_all(topics.EVENTS) == []


def test_a_field_over_its_length_is_refused_for_its_length_and_not_scanned(
    system: System, client: FlaskClient
) -> None:
    token = system.tokens.create("integrator")
    event = _event("petition.submitted", {
        "petition_ref": "P-9", "topic": "a@" * 5_000 + " jane@example.org",
        "theme": "healthier_communities_and_older_people", "signatures": 900,
        "neighbourhood": "Daneshouse"})  # fmt: skip
    response = client.post("/v1/events", json=event, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.get_json()["errors"]["payload"] == {
        "topic": ["Length must be between 1 and 200."]
    }
