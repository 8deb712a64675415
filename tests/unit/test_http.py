"""The HTTP API end to end in the embedded default (memory bus and store), through Flask's test client."""

from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from riskgate import topics
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app
from tests.conftest import ROOT, pin_today

EXAMPLE = json.loads((ROOT / "contracts" / "examples" / "indicator.reported.json").read_text())
INDICATOR_TOPIC = topics.EVENTS
SANDWELL = "E08000028"
CYP = "children_and_young_people"
AREA_THEMES = {
    CYP,
    "healthier_communities_and_older_people",
    "safer_and_stronger_communities",
    "economic_development_and_environment",
}


def DRAFTS(api: Api) -> dict[str, str]:  # noqa: N802 - reads as a constant at the call
    """2009's judgements are drafts until 9 December (rules/cycles/2009.yaml): read as the
    gatekeeper, who sees them."""
    return api.auth("gatekeeper")


@dataclass
class Api:
    system: System
    client: FlaskClient

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.system.tokens.create(role)}"}

    def published(self, topic: str) -> int:
        return len(self.system.bus.read_all(topic))


@pytest.fixture
def api(tmp_path: Path) -> Api:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=date(2009, 8, 3)))
    app = create_app(system)
    app.config["TESTING"] = True
    return Api(system, app.test_client())


def _example() -> dict[str, Any]:
    event = copy.deepcopy(EXAMPLE)
    event["event_id"] = str(uuid.uuid4())
    return event


def _quarter(period: str, value: float, occurred_at: str) -> dict[str, Any]:
    """NI 117 (16-18 year olds NEET; lower is better, floor 10) reported by Sandwell."""
    event = _example()
    event.update(body=SANDWELL, source="sandwell-mbc", occurred_at=occurred_at)
    event["payload"] = {"indicator": "NI 117", "period": period, "value": value, "unit": "%"}
    return event


def _accepted_count(api: Api) -> float:
    text = api.client.get("/metrics").get_data(as_text=True)
    found = re.search(
        r'^riskgate_events_accepted_total\{type="indicator.reported"\} (\S+)$', text, re.M
    )
    return float(found.group(1)) if found else 0.0


# --- ingest ---------------------------------------------------------------------------------


def test_posting_events_without_a_token_is_401_in_the_error_shape(api: Api) -> None:
    response = api.client.post("/v1/events", json=_example())

    assert response.status_code == 401
    body = response.get_json()
    assert body["code"] == 401
    assert body["status"] == "Unauthorized"
    assert "bearer token" in body["message"]
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert api.published(INDICATOR_TOPIC) == 0


def test_an_invalid_token_is_401(api: Api) -> None:
    response = api.client.post(
        "/v1/events", json=_example(), headers={"Authorization": "Bearer nope"}
    )

    assert response.status_code == 401
    assert response.get_json()["message"] == "invalid bearer token: unknown token"
    assert response.get_json()["errors"] == {"Authorization": ["unknown token"]}


def test_an_inspectorate_may_not_post_events(api: Api) -> None:
    response = api.client.post(
        "/v1/events", json=_example(), headers=api.auth("inspectorate:ofsted")
    )

    assert response.status_code == 403
    assert response.get_json()["code"] == 403
    assert api.published(INDICATOR_TOPIC) == 0


def test_a_valid_event_is_accepted_and_published(api: Api) -> None:
    event = _example()
    before = _accepted_count(api)

    response = api.client.post("/v1/events", json=event, headers=api.auth("integrator"))

    assert response.status_code == 202
    assert response.get_json() == {"accepted": [event["event_id"]], "duplicates": []}
    [record] = api.system.bus.read_all(INDICATOR_TOPIC)
    assert record.key == "E10000014"  # keyed by area
    assert json.loads(record.value)["event_id"] == event["event_id"]
    assert _accepted_count(api) == before + 1


def test_the_same_event_again_is_a_duplicate_and_not_published_twice(api: Api) -> None:
    event = _example()
    headers = api.auth("integrator")
    api.client.post("/v1/events", json=event, headers=headers)
    before = _accepted_count(api)

    response = api.client.post("/v1/events", json=event, headers=headers)

    assert response.status_code == 202
    assert response.get_json() == {"accepted": [], "duplicates": [event["event_id"]]}
    assert api.published(INDICATOR_TOPIC) == 1
    assert _accepted_count(api) == before


def test_a_list_with_one_bad_item_is_refused_whole_naming_the_item_and_field(api: Api) -> None:
    good, bad = _example(), _example()
    bad["payload"]["value"] = "six point four"
    headers = api.auth("integrator")

    response = api.client.post("/v1/events", json=[good, bad], headers=headers)

    assert response.status_code == 400
    body = response.get_json()
    assert set(body["errors"]) == {"1"}
    assert "value" in body["errors"]["1"]["payload"]
    assert "none was accepted" in body["message"]
    assert api.published(INDICATOR_TOPIC) == 0
    # The good item was not remembered either: sent again alone it is new, not a duplicate.
    again = api.client.post("/v1/events", json=good, headers=headers)
    assert again.get_json() == {"accepted": [good["event_id"]], "duplicates": []}


def test_an_unknown_body_is_refused_naming_body(api: Api) -> None:
    event = _example()
    event["body"] = "E99999999"

    response = api.client.post("/v1/events", json=event, headers=api.auth("integrator"))

    assert response.status_code == 400
    assert "E99999999" in response.get_json()["errors"]["body"][0]
    assert api.published(INDICATOR_TOPIC) == 0


def test_an_indicator_outside_the_national_indicator_set_is_refused(api: Api) -> None:
    event = _example()
    event["payload"]["indicator"] = "NI 999"

    response = api.client.post("/v1/events", json=event, headers=api.auth("integrator"))

    assert response.status_code == 400
    assert "NI 999" in response.get_json()["errors"]["payload"]["indicator"][0]
    assert api.published(INDICATOR_TOPIC) == 0


# --- the public assessment ----------------------------------------------------------------


def test_an_area_assessment_is_public_and_lists_every_area_theme(api: Api) -> None:
    pin_today(api.system, date(2009, 12, 9))  # published
    response = api.client.get("/v1/areas/E10000014/assessment?year=2009")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["area"], body["name"], body["year"]) == ("E10000014", "Hampshire", 2009)
    assert set(body["themes"]) == AREA_THEMES
    assert all(theme["flag"] is None for theme in body["themes"].values())
    assert body["ruleset_version"] == api.system.rules.current().version


def test_an_assessment_without_a_year_is_400_naming_year(api: Api) -> None:
    response = api.client.get("/v1/areas/E10000014/assessment")

    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == 400
    assert "year" in body["errors"]["query"]


@pytest.mark.parametrize("code", ["E99999999", "E07000084"], ids=["unknown", "district-not-area"])
def test_an_assessment_for_something_that_is_not_an_area_is_404(api: Api, code: str) -> None:
    response = api.client.get(f"/v1/areas/{code}/assessment?year=2009")

    assert response.status_code == 404
    assert code in response.get_json()["message"]


# --- end to end: two quarters over the floor become a red flag and an inspection -----------


@dataclass
class Flagged:
    api: Api
    event_ids: list[str]


@pytest.fixture
def flagged(api: Api) -> Flagged:
    """Sandwell reports NI 117 over the floor in 2009-Q1 and 2009-Q2, and everything is processed."""
    q1 = _quarter("2009-Q1", 11.2, "2009-04-20T09:00:00+01:00")
    q2 = _quarter("2009-Q2", 12.5, "2009-07-20T09:00:00+01:00")
    headers = api.auth("integrator")
    assert api.client.post("/v1/events", json=q1, headers=headers).status_code == 202
    api.system.pump()
    one_quarter = api.client.get(
        f"/v1/areas/{SANDWELL}/assessment?year=2009", headers=DRAFTS(api)
    ).get_json()
    assert one_quarter["themes"][CYP]["flag"] is None  # one quarter over the floor is not enough
    assert api.client.post("/v1/events", json=q2, headers=headers).status_code == 202
    api.system.pump()
    # The red flag's request waits for Ofsted, the owning inspectorate, which confirms the need.
    ofsted = api.auth("inspectorate:ofsted")
    [waiting] = api.client.get("/v1/inspectorates/ofsted/triage", headers=ofsted).get_json()
    confirmed = api.client.post(f"/v1/triage/{waiting['request_id']}/confirm", headers=ofsted)
    assert confirmed.status_code == 200, confirmed.get_json()
    api.system.pump()
    return Flagged(api, [q1["event_id"], q2["event_id"]])


def test_two_quarters_over_the_floor_give_a_red_flag_with_evidence(flagged: Flagged) -> None:
    api = flagged.api

    response = api.client.get(f"/v1/areas/{SANDWELL}/assessment?year=2009", headers=DRAFTS(api))

    assert response.status_code == 200
    judgement = response.get_json()["themes"][CYP]
    assert judgement["flag"] == "red"
    assert judgement["rule_ids"] == ["IND-FLOOR-2Q"]
    assert sorted(e["event_id"] for e in judgement["evidence"]) == sorted(flagged.event_ids)
    assert judgement["ruleset_version"] == api.system.rules.current().version
    assert "NI 117" in judgement["narrative"]
    others = response.get_json()["themes"]
    assert all(others[t]["flag"] is None for t in AREA_THEMES - {CYP})


def test_the_owning_inspectorate_sees_the_triggered_inspection(flagged: Flagged) -> None:
    api = flagged.api

    response = api.client.get(
        "/v1/inspectorates/ofsted/work", headers=api.auth("inspectorate:ofsted")
    )

    assert response.status_code == 200
    [item] = response.get_json()
    assert item["body"] == SANDWELL
    assert item["theme"] == CYP
    assert item["lead_inspectorate"] == "ofsted"
    assert sorted(item["evidence"]) == sorted(flagged.event_ids)
    assert item["status"] == "assigned"


def test_another_inspectorate_may_not_read_ofsteds_work(flagged: Flagged) -> None:
    api = flagged.api

    response = api.client.get("/v1/inspectorates/ofsted/work", headers=api.auth("inspectorate:cqc"))

    assert response.status_code == 403
    cqc = api.client.get("/v1/inspectorates/cqc/work", headers=api.auth("inspectorate:cqc"))
    assert cqc.get_json() == []


@pytest.mark.parametrize("route", ["/v1/inspection-requests", "/v1/decisions"])
def test_the_gatekeepers_register_needs_the_gatekeeper_role(flagged: Flagged, route: str) -> None:
    api = flagged.api

    assert api.client.get(route).status_code == 401
    assert api.client.get(route, headers=api.auth("integrator")).status_code == 403
    response = api.client.get(route, headers=api.auth("gatekeeper"))
    assert response.status_code == 200
    assert len(response.get_json()) == 1


def test_the_gatekeeper_sees_the_rule_request_and_its_approval(flagged: Flagged) -> None:
    api = flagged.api
    headers = api.auth("gatekeeper")

    [request] = api.client.get("/v1/inspection-requests", headers=headers).get_json()
    [decision] = api.client.get("/v1/decisions", headers=headers).get_json()

    assert request["origin"] == "risk_rule"
    assert request["rule_ids"] == ["IND-FLOOR-2Q"]
    assert sorted(request["evidence"]) == sorted(flagged.event_ids)
    assert request["decision_id"] == decision["decision_id"]
    assert decision["outcome"] == "approved"
    assert decision["policy_ids"] == ["GK-APPROVE"]
    assert decision["request_id"] == request["request_id"]


def _proposal(window_start: str, window_end: str) -> dict[str, Any]:
    return {
        "body": SANDWELL,
        "inspectorate": "ofsted",
        "theme": CYP,
        "origin": "government_office",
        "reason": "GO West Midlands is concerned about young people not in education or work",
        "window_start": window_start,
        "window_end": window_end,
        "on_site_days": 3,
    }


def test_a_government_office_proposal_overlapping_the_inspection_is_merged_into_it(
    flagged: Flagged,
) -> None:
    api = flagged.api
    gatekeeper = api.auth("gatekeeper")
    [approved] = api.client.get("/v1/decisions", headers=gatekeeper).get_json()

    response = api.client.post(
        "/v1/inspection-requests",
        json=_proposal("2009-09-01", "2009-12-31"),
        headers=api.auth("integrator"),
    )
    assert response.status_code == 202
    request_id = response.get_json()["request_id"]
    api.system.pump()

    decisions = {
        d["request_id"]: d for d in api.client.get("/v1/decisions", headers=gatekeeper).get_json()
    }
    merged = decisions[request_id]
    assert merged["outcome"] == "merged"
    assert merged["policy_ids"] == ["GK-MERGE-OPEN"]
    assert merged["inspection_id"] == approved["inspection_id"]
    assert approved["inspection_id"] in merged["reasons"][0]
    [item] = api.client.get(
        "/v1/inspectorates/ofsted/work", headers=api.auth("inspectorate:ofsted")
    ).get_json()
    assert item["inspection_id"] == approved["inspection_id"]
    assert request_id in item["request_ids"]


def test_a_proposal_for_a_later_window_becomes_a_second_inspection(flagged: Flagged) -> None:
    api = flagged.api

    response = api.client.post(
        "/v1/inspection-requests",
        json=_proposal("2010-06-01", "2010-09-30"),
        headers=api.auth("integrator"),
    )
    request_id = response.get_json()["request_id"]
    api.system.pump()

    decisions = api.client.get("/v1/decisions", headers=api.auth("gatekeeper")).get_json()
    [decision] = [d for d in decisions if d["request_id"] == request_id]
    assert decision["outcome"] == "approved"
    work = api.client.get(
        "/v1/inspectorates/ofsted/work", headers=api.auth("inspectorate:ofsted")
    ).get_json()
    assert len(work) == 2


def test_a_proposal_for_an_unknown_body_is_400_naming_body(api: Api) -> None:
    proposal = {**_proposal("2009-09-01", "2009-12-31"), "body": "E99999999"}

    response = api.client.post(
        "/v1/inspection-requests", json=proposal, headers=api.auth("integrator")
    )

    assert response.status_code == 400
    assert "body" in response.get_json()["errors"]
    assert api.published(topics.REQUESTS) == 0


def test_an_inspectorate_may_not_propose_inspections(api: Api) -> None:
    response = api.client.post(
        "/v1/inspection-requests",
        json=_proposal("2009-09-01", "2009-12-31"),
        headers=api.auth("inspectorate:ofsted"),
    )

    assert response.status_code == 403
    assert api.published(topics.REQUESTS) == 0


# --- operators ----------------------------------------------------------------------------


def test_the_openapi_document_lists_the_routes(api: Api) -> None:
    response = api.client.get("/openapi.json")

    assert response.status_code == 200
    paths = response.get_json()["paths"]
    assert {"/v1/events", "/v1/areas/{code}/assessment", "/v1/decisions"} <= set(paths)
    assert "post" in paths["/v1/events"]


def test_health_and_readiness(api: Api) -> None:
    assert api.client.get("/healthz").get_json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["status"] == "ready"
    assert ready.get_json()["embedded"] is True


def test_metrics_are_in_the_prometheus_text_format(api: Api) -> None:
    response = api.client.get("/metrics")

    assert response.status_code == 200
    assert "riskgate_events_accepted" in response.get_data(as_text=True)
    assert response.mimetype == "text/plain"


def test_a_resubmitted_quarter_under_the_floor_withdraws_the_red_flag(flagged: Flagged) -> None:
    api = flagged.api
    corrected = _quarter("2009-Q2", 9.0, "2009-08-20T09:00:00+01:00")

    assert (
        api.client.post("/v1/events", json=corrected, headers=api.auth("integrator")).status_code
        == 202
    )
    api.system.pump()

    judgement = api.client.get(
        f"/v1/areas/{SANDWELL}/assessment?year=2009", headers=DRAFTS(api)
    ).get_json()["themes"][CYP]
    assert judgement["flag"] is None
    assert judgement["rule_ids"] == []
