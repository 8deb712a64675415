"""Who may say what at `POST /v1/events`, in the embedded default: the source comes from the
token, internal types are refused, findings come only from their inspectorate, registrations
only from an administrator and never move a council out of its area, and an integrator keeps
to its scope. A refused list publishes nothing."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from riskgate import topics
from riskgate.adapters.store import Store
from riskgate.bootstrap import System
from riskgate.domain.actors import Scope
from riskgate.entrypoints.http import create_app
from riskgate.service_layer.tokens import Tokens
from tests.conftest import ROOT

EXAMPLES = ROOT / "contracts" / "examples"
HAMPSHIRE, WINCHESTER, WESTMINSTER = "E10000014", "E07000094", "E09000033"
SANDWELL, SHEFFIELD = "E08000028", "E08000019"


def issue(store: Store, role: str, holder: str | None = None, **scope: list[str]) -> str:
    """A token for `role` (with a holder and a scope when given), issued as `tokens create` does."""
    secret, _ = Tokens(store).issue(
        role,
        holder or role,
        Scope(frozenset(scope.get("event_types", ())), frozenset(scope.get("bodies", ()))),
    )
    return secret


@pytest.fixture
def client(system: System) -> FlaskClient:
    app = create_app(system)
    app.config["TESTING"] = True
    return app.test_client()


def example(kind: str, **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(json.loads((EXAMPLES / f"{kind}.json").read_text()))
    event["event_id"] = str(uuid.uuid4())
    payload = changes.pop("payload", {})
    event.update(changes)
    event["payload"].update(payload)
    return event


def post(client: FlaskClient, token: str, events: Any) -> tuple[int, dict[str, Any]]:
    response = client.post("/v1/events", json=events, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.get_json()


def published(system: System) -> list[dict[str, Any]]:
    return [json.loads(record.value) for record in system.bus.read_all(topics.EVENTS)]


def test_a_forged_finding_from_an_integrator_is_refused_and_flags_nothing(
    client: FlaskClient, system: System
) -> None:
    forged = example("inspection.finding", source="riskgate.gatekeeper", payload={"finding": 1})

    status, body = post(client, issue(system.store, "integrator"), forged)

    assert status == 403
    assert body["errors"] == {
        "type": [
            "inspection.finding comes only from the inspectorate it names (ofsted) or the "
            "gatekeeper completing an inspection; integrator:integrator is integrator"
        ]
    }
    assert published(system) == []
    system.pump()
    themes = system.risk.assessment(HAMPSHIRE, 2009)
    assert all(j.get("flag") != "red" for j in themes.values())


def test_an_inspectorate_may_not_report_another_inspectorates_finding(
    client: FlaskClient, system: System
) -> None:
    status, body = post(
        client, issue(system.store, "inspectorate:cqc"), [example("inspection.finding")]
    )

    assert status == 403
    assert body["errors"] == {
        "0": {"payload": {"inspectorate": ["inspectorate cqc may not report a finding of ofsted"]}}
    }
    assert published(system) == []


def test_the_owning_inspectorate_reports_its_finding_under_its_own_name(
    client: FlaskClient, system: System
) -> None:
    finding = example("inspection.finding", source="riskgate.gatekeeper")
    token = issue(system.store, "inspectorate:ofsted", holder="ofsted-returns")

    status, body = post(client, token, finding)

    assert status == 202 and body["accepted"] == [finding["event_id"]]
    [stored] = published(system)
    assert stored["source"] == "inspectorate:ofsted:ofsted-returns"


def test_a_registration_needs_the_admin_role(client: FlaskClient, system: System) -> None:
    status, body = post(client, issue(system.store, "integrator"), example("body.registered"))

    assert status == 403
    assert body["errors"] == {
        "type": ["body.registered needs the admin role; integrator:integrator is integrator"]
    }
    assert published(system) == []


def test_not_even_an_admin_moves_a_district_into_another_area(
    client: FlaskClient, system: System
) -> None:
    moved = example("body.registered", payload={"area": WESTMINSTER})

    status, body = post(client, issue(system.store, "admin"), [moved])

    assert status == 409
    assert body["errors"] == {
        "0": {
            "payload": {
                "area": [
                    f"body {WINCHESTER} is in area {HAMPSHIRE} in the reference data; "
                    f"it cannot be moved to {WESTMINSTER}"
                ]
            }
        }
    }
    assert published(system) == []
    assert system.ingest.area_of(WINCHESTER) == HAMPSHIRE


def test_an_admin_registers_a_body_in_its_own_area(client: FlaskClient, system: System) -> None:
    registration = example("body.registered")

    status, _ = post(client, issue(system.store, "admin"), registration)

    assert status == 202
    [stored] = published(system)
    assert stored["source"] == "admin:admin" and stored["payload"]["area"] == HAMPSHIRE


@pytest.mark.parametrize(
    "kind",
    [
        "risk.judgement",
        "gatekeeper.decision",
        "gatekeeper.override",
        "inspection.requested",
        "inspection.updated",
        "inspection.assigned",
        "organisational.assessed",
        "citizens.transition",
    ],
)
def test_the_services_own_event_types_are_refused_naming_the_type(
    client: FlaskClient, system: System, kind: str
) -> None:
    status, body = post(client, issue(system.store, "integrator"), example(kind))

    assert status == 403
    assert body["errors"] == {
        "type": [f"{kind} is riskgate's own event type: only its services publish it"]
    }
    assert published(system) == []


def test_an_internal_type_is_refused_as_such_even_with_a_payload_that_would_not_validate(
    client: FlaskClient, system: System
) -> None:
    forged = example("gatekeeper.decision")
    forged["payload"] = {"outcome": "approved"}

    status, body = post(client, issue(system.store, "integrator"), [forged])

    assert status == 403
    assert body["errors"]["0"] == {
        "type": ["gatekeeper.decision is riskgate's own event type: only its services publish it"]
    }


def _neet(body: str) -> dict[str, Any]:
    return example(
        "indicator.reported",
        body=body,
        payload={"indicator": "NI 117", "period": "2009-Q2", "value": 11.0},
    )


def test_an_event_for_a_body_outside_the_scope_refuses_the_whole_list_naming_its_index(
    client: FlaskClient, system: System
) -> None:
    token = issue(
        system.store, "integrator", holder="sandwell-hub", bodies=[SANDWELL],
        event_types=["indicator.reported"],
    )  # fmt: skip

    status, body = post(client, token, [_neet(SANDWELL), _neet(SHEFFIELD)])

    assert status == 403
    assert body["errors"] == {
        "1": {
            "body": [
                f"body {SHEFFIELD} (area {SHEFFIELD}) is outside the scope of "
                f"integrator:sandwell-hub (bodies: {SANDWELL})"
            ]
        }
    }
    assert "1 of 2 events may not be published" in body["message"]
    assert published(system) == []


def test_a_type_outside_the_scope_is_refused(client: FlaskClient, system: System) -> None:
    token = issue(
        system.store, "integrator", holder="sandwell-hub", event_types=["indicator.reported"]
    )
    complaint = example("complaint.received", body=SANDWELL)

    status, body = post(client, token, [_neet(SANDWELL), complaint])

    assert status == 403
    assert body["errors"] == {
        "1": {
            "type": [
                "complaint.received is outside the scope of integrator:sandwell-hub "
                "(types: indicator.reported)"
            ]
        }
    }
    assert published(system) == []


def test_a_scope_by_area_covers_the_areas_districts(client: FlaskClient, system: System) -> None:
    token = issue(system.store, "integrator", holder="hampshire-hub", bodies=[HAMPSHIRE])

    status, _ = post(client, token, _neet(WINCHESTER))

    assert status == 202


def test_an_in_scope_event_is_accepted_with_the_tokens_holder_as_its_source(
    client: FlaskClient, system: System
) -> None:
    token = issue(system.store, "integrator", holder="sandwell-hub", bodies=[SANDWELL])
    event = _neet(SANDWELL)
    event["source"] = "riskgate.gatekeeper"

    status, body = post(client, token, event)

    assert status == 202 and body == {"accepted": [event["event_id"]], "duplicates": []}
    [stored] = published(system)
    assert stored["source"] == "integrator:sandwell-hub"
    system.pump()  # the consumers' producer check knows the holder: no dead letter
    assert system.bus.read_all(topics.DEAD_LETTERS) == []
    assert system.store.sismember("done:risk", event["event_id"])


def test_an_inspectorate_posts_nothing_but_findings(client: FlaskClient, system: System) -> None:
    status, body = post(client, issue(system.store, "inspectorate:ofsted"), _neet(SANDWELL))

    assert status == 403
    assert body["errors"] == {
        "type": [
            "indicator.reported is published by integrators; "
            "inspectorate:ofsted:inspectorate:ofsted is inspectorate:ofsted"
        ]
    }


def test_the_gatekeeper_role_may_not_post_events(client: FlaskClient, system: System) -> None:
    status, body = post(client, issue(system.store, "gatekeeper"), _neet(SANDWELL))

    assert status == 403 and "role gatekeeper may not do this" in body["message"]
    assert published(system) == []


def test_straight_onto_the_embedded_topic_a_finding_from_a_source_no_token_names_is_dead_lettered(
    system: System,
) -> None:
    forged = example("inspection.finding", source="ofsted-returns", payload={"finding": 1})
    system.bus.publisher().publish(topics.EVENTS, HAMPSHIRE, forged)

    system.pump()

    letters = [json.loads(r.value) for r in system.bus.read_all(topics.DEAD_LETTERS)]
    # The citizens' desk passes over a finding unread (it acts on none), so refuses nothing.
    assert {(letter["consumer"], letter["kind"]) for letter in letters} == {("risk", "refused")}
    assert letters[0]["reason"] == (
        "producer 'ofsted-returns' (a producer no token names) may not publish this: "
        "inspection.finding comes only from the inspectorate it names (ofsted) or the "
        "gatekeeper completing an inspection; ofsted-returns is integrator"
    )
    assert not system.store.sismember("done:risk", forged["event_id"])


def test_straight_onto_the_embedded_topic_a_complaint_outside_its_producers_scope_is_refused_by_both(
    system: System,
) -> None:
    issue(system.store, "integrator", holder="sandwell-hub", event_types=["indicator.reported"])
    forged = example("complaint.received", source="integrator:sandwell-hub")
    system.bus.publisher().publish(topics.EVENTS, HAMPSHIRE, forged)

    system.pump()

    letters = [json.loads(r.value) for r in system.bus.read_all(topics.DEAD_LETTERS)]
    assert sorted((letter["consumer"], letter["kind"]) for letter in letters) == [
        ("citizens", "refused"),
        ("risk", "refused"),
    ]
    assert all("outside the scope" in letter["reason"] for letter in letters), letters
