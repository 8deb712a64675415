"""GK-PEER-REVIEW through the API on the embedded default: a peer review of a theme in the
last 18 months defers routine inspection of it, naming the review; risk-triggered and
urgent requests go ahead."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app
from tests.conftest import ROOT

EXAMPLE = json.loads((ROOT / "contracts" / "examples" / "indicator.reported.json").read_text())
SANDWELL, CYP = "E08000028", "children_and_young_people"


class Api:
    def __init__(self, system: System, client: FlaskClient) -> None:
        self.system, self.client = system, client

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.system.tokens.create(role)}"}

    def publish(self, event: dict[str, Any]) -> None:
        response = self.client.post("/v1/events", json=event, headers=self.auth("integrator"))
        assert response.status_code == 202, response.get_json()
        self.system.pump()

    def propose(self, **fields: Any) -> dict[str, Any]:
        proposal = {
            "body": SANDWELL, "inspectorate": "ofsted", "theme": CYP,
            "origin": "inspectorate_programme", "programme_ground": "vulnerable_groups",
            "justification": "Ofsted's programme for looked-after children",
            "reason": "Ofsted's own programme",
            "window_start": "2009-11-02", "window_end": "2010-01-29", "on_site_days": 3,
            **fields,
        }  # fmt: skip
        proposer = "inspectorate:ofsted" if proposal["origin"] == "inspectorate_programme" else "integrator"
        response = self.client.post(
            "/v1/inspection-requests", json=proposal, headers=self.auth(proposer)
        )
        assert response.status_code == 202, response.get_json()
        self.system.pump()
        return self.decision(response.get_json()["request_id"])

    def decision(self, request_id: str) -> dict[str, Any]:
        decisions = self.client.get("/v1/decisions", headers=self.auth("gatekeeper")).get_json()
        return next(d for d in decisions if d["request_id"] == request_id)


def _peer_review(completed_on: str, themes: list[str]) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "peer_review.completed",
        "occurred_at": f"{completed_on}T16:00:00+01:00",
        "source": "lga",
        "body": SANDWELL,
        "payload": {
            "completed_on": completed_on,
            "themes": themes,
            "summary": "A peer challenge of services for young people.",
            "reviewer": "IDeA peer challenge team",
        },
    }


@pytest.fixture
def api(tmp_path: Path) -> Api:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=date(2009, 10, 1)))
    app = create_app(system)
    app.config["TESTING"] = True
    return Api(system, app.test_client())


def test_a_routine_request_on_a_peer_reviewed_theme_is_deferred_naming_the_review(api: Api) -> None:
    review = _peer_review("2009-03-20", [CYP])
    api.publish(review)

    decided = api.propose()

    assert decided["outcome"] == "deferred"
    assert decided["policy_ids"] == ["GK-PEER-REVIEW"]
    assert decided["deferred_until"] == "2010-09-20"
    assert review["event_id"] in decided["reasons"][0]
    assert "IDeA peer challenge team" in decided["reasons"][0]


def test_other_themes_old_reviews_urgent_and_risk_triggered_requests_go_ahead(api: Api) -> None:
    api.publish(_peer_review("2009-03-20", ["safer_and_stronger_communities"]))
    assert api.propose()["policy_ids"] != ["GK-PEER-REVIEW"]  # another theme

    api.publish(_peer_review("2007-06-01", [CYP]))  # more than 18 months before
    assert api.propose(window_start="2010-03-01", window_end="2010-05-28")["policy_ids"] != [
        "GK-PEER-REVIEW"
    ]

    api.publish(_peer_review("2009-03-20", [CYP]))
    urgent = api.propose(urgency="urgent", window_start="2010-06-01", window_end="2010-08-27")
    assert "GK-PEER-REVIEW" not in urgent["policy_ids"] and urgent["outcome"] != "deferred"

    for period, value in (("2009-Q1", 11.2), ("2009-Q2", 12.5)):  # a red flag: risk_rule
        event = copy.deepcopy(EXAMPLE)
        event.update(
            event_id=str(uuid.uuid4()), body=SANDWELL, occurred_at="2009-09-20T09:00:00+01:00"
        )
        event["payload"] = {"indicator": "NI 117", "period": period, "value": value, "unit": "%"}
        api.publish(event)
    requests = api.client.get("/v1/inspection-requests", headers=api.auth("gatekeeper")).get_json()
    [triggered] = [r for r in requests if r["origin"] == "risk_rule"]
    confirmed = api.client.post(  # Ofsted's triage determines the need for inspection
        f"/v1/triage/{triggered['request_id']}/confirm", headers=api.auth("inspectorate:ofsted")
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    api.system.pump()
    assert "GK-PEER-REVIEW" not in api.decision(triggered["request_id"])["policy_ids"]


def test_a_government_office_request_on_a_peer_reviewed_theme_goes_ahead(api: Api) -> None:
    # GO and department requests sit on the ladder of support and intervention, not routine
    # inspection: a peer review stands in for the routine kind only.
    api.publish(_peer_review("2009-03-20", [CYP]))

    decided = api.propose(origin="government_office", reason="GO West Midlands wants a look")

    assert "GK-PEER-REVIEW" not in decided["policy_ids"]
    assert decided["outcome"] != "deferred"


def test_a_peer_review_with_an_unknown_theme_is_400_naming_the_field(api: Api) -> None:
    event = _peer_review("2009-03-20", ["gardening"])

    response = api.client.post("/v1/events", json=event, headers=api.auth("integrator"))

    assert response.status_code == 400
    assert "themes" in json.dumps(response.get_json()["errors"])
