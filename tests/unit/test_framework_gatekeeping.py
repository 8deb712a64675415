"""Gatekeeping and citizens' triggers as the White Paper has them, met as a user meets them:
HTTP in (embedded default, Flask's test client), then what they read back.

1. two identical proposals are one inspection, even after the first is deferred; a window that
   has ended is refused at intake;
2. the 20 working days run from the referral (or a later request for information);
3. a self-assessed concern names what it answers and is not taken on trust;
4. a risk-triggered request first reaches its inspectorate's triage;
5. partners' complaints flag but request no inspection;
6. earned autonomy does not refuse Government Office or department requests;
7. every parameter says where its number comes from.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from riskgate import topics
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.domain.actors import Actor
from riskgate.entrypoints.cli import main
from riskgate.entrypoints.http import create_app
from riskgate.service_layer.rules_check import check_rules
from riskgate.service_layer.triage import scripted_at
from tests.conftest import ROOT

SANDWELL, LEEDS, POLICE = "E08000028", "E08000035", "E23000010"
CYP, SAFER = "children_and_young_people", "safer_and_stronger_communities"


@dataclass
class Api:
    system: System
    client: FlaskClient

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.system.tokens.create(role)}"}

    def post_events(self, *events: dict[str, Any], role: str = "integrator") -> None:
        response = self.client.post("/v1/events", json=list(events), headers=self.auth(role))
        assert response.status_code == 202, response.get_json()
        self.system.pump()

    def get(self, url: str, role: str | None = None) -> Any:
        response = self.client.get(url, headers=self.auth(role) if role else {})
        assert response.status_code == 200, response.get_json()
        return response.get_json()


def _api(home: Path) -> Api:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=home, today=date(2009, 8, 3)))
    app = create_app(system)
    app.config["TESTING"] = True
    return Api(system, app.test_client())


@pytest.fixture
def api(tmp_path: Path) -> Api:
    return _api(tmp_path)


def _event(type_: str, body: str, occurred_at: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "type": type_, "occurred_at": occurred_at,
            "source": "test", "body": body, "payload": payload}  # fmt: skip


def _quarter(period: str, value: float, occurred_at: str) -> dict[str, Any]:
    """NI 117 (16-18 year olds NEET; lower is better, floor 10) at Sandwell."""
    return _event("indicator.reported", SANDWELL, occurred_at,
                  {"indicator": "NI 117", "period": period, "value": value, "unit": "%"})  # fmt: skip


def _flag_sandwell(api: Api) -> None:
    """Two quarters over the floor: a red flag on children and young people (IND-FLOOR-2Q)."""
    api.post_events(
        _quarter("2009-Q1", 11.2, "2009-04-20T09:00:00+01:00"),
        _quarter("2009-Q2", 12.5, "2009-07-20T09:00:00+01:00"),
    )


def _proposal(theme: str, window: tuple[str, str], days: int, **extra: Any) -> dict[str, Any]:
    return {
        "body": SANDWELL, "inspectorate": "ofsted", "theme": theme, "origin": "government_office",
        "reason": "GO West Midlands wants a closer look", "window_start": window[0],
        "window_end": window[1], "on_site_days": days, **extra,
    }  # fmt: skip


def _propose(api: Api, proposal: dict[str, Any], role: str = "integrator") -> dict[str, Any]:
    response = api.client.post("/v1/inspection-requests", json=proposal, headers=api.auth(role))
    assert response.status_code == 202, response.get_json()
    api.system.pump()
    request_id = response.get_json()["request_id"]
    decisions = api.get("/v1/decisions", "gatekeeper")
    return next(d for d in decisions if d["request_id"] == request_id)


# --- 1. merge and joint consider planned and deferred inspections ---------------------------


def test_two_identical_proposals_are_one_inspection_even_when_the_first_was_deferred(
    api: Api,
) -> None:
    approved = _propose(api, _proposal(CYP, ("2009-09-01", "2009-12-31"), 5))
    assert approved["outcome"] == "approved"
    # Ofsted already goes to Sandwell in September: 30 days' rest push this one out of its window.
    first = _propose(api, _proposal(SAFER, ("2009-09-01", "2009-09-30"), 3))
    assert first["outcome"] == "deferred"

    second = _propose(api, _proposal(SAFER, ("2009-09-01", "2009-09-30"), 3))

    assert second["outcome"] == "merged", second["reasons"]
    assert second["policy_ids"] == ["GK-MERGE-OPEN"]
    assert second["inspection_id"] == first["inspection_id"]
    assert "deferred from the window 2009-09-01 to 2009-09-30 first asked for" in (
        second["reasons"][0]
    )
    inspections = api.get("/v1/inspections", "gatekeeper")
    assert len(inspections) == 2  # not three
    deferred = next(i for i in inspections if i["inspection_id"] == first["inspection_id"])
    assert len(deferred["request_ids"]) == 2


def test_a_proposal_whose_window_has_already_ended_is_refused_naming_window_end(
    api: Api,
) -> None:
    response = api.client.post(
        "/v1/inspection-requests",
        json=_proposal(CYP, ("2009-05-01", "2009-07-31"), 3),  # today is 2009-08-03
        headers=api.auth("integrator"),
    )

    assert response.status_code == 400
    body = response.get_json()
    assert "window_end" in body["errors"] and "2009-07-31" in body["errors"]["window_end"][0]
    assert api.get("/v1/inspection-requests", "gatekeeper") == []


# --- 2. the committee's 20 working days ------------------------------------------------------


def _raised_and_referred(api: Api, referred_on: str = "2009-10-01") -> None:
    raised = _event("ccfa.raised", LEEDS, "2009-09-01T10:00:00+01:00", {
        "case_ref": "CCFA-LEEDS-1", "councillor_ref": "cllr-17", "ward": "Headingley",
        "issue": "Fly-tipping in the back lanes", "theme": SAFER, "bodies": [LEEDS, POLICE]})  # fmt: skip
    referred = _event("ccfa.referred", LEEDS, f"{referred_on}T10:00:00+01:00", {
        "case_ref": "CCFA-LEEDS-1", "committee": "overview_and_scrutiny",
        "referred_on": referred_on})  # fmt: skip
    api.post_events(raised, referred)


def _case(api: Api) -> dict[str, Any]:
    [case] = api.get(f"/v1/calls-for-action?council={LEEDS}")
    return case


def test_the_twenty_working_days_run_from_the_referral_and_show_on_the_case(api: Api) -> None:
    _raised_and_referred(api)

    case = _case(api)

    # White Paper 3.35: appear or provide information "within 20 working days" of the referral.
    assert [(d["kind"], d["body"], d["due"]) for d in case["deadlines"]] == [
        ("information", LEEDS, "2009-10-29"),
        ("information", POLICE, "2009-10-29"),
    ]
    assert case["next_due"] == "2009-10-29"

    # Leeds provides its information; the police do not, and are overdue from 30 October.
    api.post_events(_event("ccfa.responded", LEEDS, "2009-10-20T10:00:00+01:00", {
        "case_ref": "CCFA-LEEDS-1", "responding_body": LEEDS, "responded_on": "2009-10-20",
        "resolved": False}))  # fmt: skip
    api.system.citizens.sweep(date(2009, 10, 30))
    [overdue] = _case(api)["overdue"]
    assert (overdue["body"], overdue["due"]) == (POLICE, "2009-10-29")

    # Recommendations start only the council's two months; the bodies' regard has no deadline.
    api.post_events(_event("ccfa.recommended", LEEDS, "2009-12-10T10:00:00+00:00", {
        "case_ref": "CCFA-LEEDS-1", "recommended_on": "2009-12-10",
        "recommendations": ["A joint clearance rota"]}))  # fmt: skip
    case = _case(api)
    assert [(d["kind"], d["due"]) for d in case["deadlines"]][-1] == (
        "council_publication", "2010-02-10"
    )
    assert not any(d["kind"] == "body_response" for d in case["deadlines"])


def test_a_later_request_for_information_restarts_the_days_for_the_bodies_asked(
    api: Api,
) -> None:
    _raised_and_referred(api)

    api.post_events(_event("ccfa.information_requested", LEEDS, "2009-10-26T10:00:00+00:00", {
        "case_ref": "CCFA-LEEDS-1", "requested_on": "2009-10-26", "bodies": [POLICE]}))  # fmt: skip

    dues = {(d["body"], d["due"]) for d in _case(api)["deadlines"]}
    assert dues == {(LEEDS, "2009-10-29"), (POLICE, "2009-11-23")}


# --- 3. known and managed, not taken on trust ----------------------------------------------


def _self_assessment(on: str, *concerns: dict[str, Any]) -> dict[str, Any]:
    return _event("self_assessment.submitted", SANDWELL, on,
                  {"year": 2009, "theme": CYP, "concerns": list(concerns)})  # fmt: skip


def _concern(subject: str, status: str = "on_track", **names: Any) -> dict[str, Any]:
    return {"subject": subject, "action_plan": "NEET re-engagement programme",
            "status": status, **names}  # fmt: skip


def _judgement(api: Api) -> dict[str, Any]:
    return api.get(f"/v1/areas/{SANDWELL}/assessment?year=2009", f"council:{SANDWELL}")["themes"][CYP]


@pytest.mark.parametrize(
    "names",
    [{"indicator": "NI 117"}, {"rule_id": "IND-FLOOR-2Q"}, {"whole_theme": True}],
    ids=["indicator", "rule", "whole-theme"],
)
def test_a_concern_may_name_an_indicator_a_rule_or_the_whole_theme(
    api: Api, names: dict[str, Any]
) -> None:
    _flag_sandwell(api)
    api.post_events(
        _self_assessment("2009-07-25T09:00:00+01:00", _concern("young people not in work", **names))
    )

    judgement = _judgement(api)

    assert judgement["flag"] is None
    [considered] = judgement["considered"]
    assert considered["rule_id"] == "IND-FLOOR-2Q"
    assert "reported on 2009-07-25" in considered["reason"]
    assert judgement["unmatched"] == []


def test_a_quarter_worse_after_the_plan_brings_the_red_flag_back_naming_the_plan(
    api: Api,
) -> None:
    _flag_sandwell(api)
    api.post_events(_self_assessment("2009-07-25T09:00:00+01:00", _concern("NI 117")))
    assert _judgement(api)["flag"] is None

    api.post_events(_quarter("2009-Q3", 13.1, "2009-10-20T09:00:00+01:00"))

    judgement = _judgement(api)
    assert judgement["flag"] == "red" and judgement["considered"] == []
    [returned] = judgement["contradicted"]
    assert returned["rule_id"] == "IND-FLOOR-2Q"
    assert "NI 117 got worse in 2009-Q3 (13.1 against 12.5" in returned["reason"]
    assert "NEET re-engagement programme" in returned["reason"]
    assert "reported on 2009-07-25" in returned["reason"]


def test_a_later_self_assessment_marking_the_plan_off_track_brings_the_flag_back(
    api: Api,
) -> None:
    _flag_sandwell(api)
    api.post_events(_self_assessment("2009-07-25T09:00:00+01:00", _concern("NI 117")))
    api.post_events(
        _self_assessment("2009-09-25T09:00:00+01:00", _concern("NI 117", status="off_track"))
    )

    judgement = _judgement(api)
    assert judgement["flag"] == "red"
    [returned] = judgement["contradicted"]
    assert "off track" in returned["reason"] and "reported on 2009-09-25" in returned["reason"]


def _finding(inspection_id: str, finding: int, on: str) -> dict[str, Any]:
    return _event("inspection.finding", SANDWELL, on, {
        "inspection_id": inspection_id, "inspectorate": "ofsted", "theme": CYP,
        "finding": finding, "summary": "Services for children are inadequate."})  # fmt: skip


def test_a_concern_naming_an_inspection_covers_its_finding_until_a_new_poor_finding(
    api: Api,
) -> None:
    api.post_events(_finding("OFSTED-1", 1, "2009-05-01T10:00:00+01:00"),
                    role="inspectorate:ofsted")  # fmt: skip
    assert _judgement(api)["flag"] == "red"
    api.post_events(
        _self_assessment("2009-06-01T09:00:00+01:00",
                         _concern("children's services", inspection_id="OFSTED-1"))  # fmt: skip
    )
    assert _judgement(api)["flag"] is None

    api.post_events(_finding("OFSTED-2", 1, "2009-07-01T10:00:00+01:00"),
                    role="inspectorate:ofsted")  # fmt: skip

    judgement = _judgement(api)
    assert judgement["flag"] == "red"
    # The concern answered OFSTED-1's finding; the latest is OFSTED-2's, which it does not name.
    assert [u["names"] for u in judgement["unmatched"]] == [{"inspection_id": "OFSTED-1"}]


def test_a_concern_naming_an_unknown_indicator_or_inspection_is_listed_as_matching_nothing(
    api: Api,
) -> None:
    _flag_sandwell(api)
    api.post_events(
        _self_assessment(
            "2009-07-25T09:00:00+01:00",
            _concern("a typo", indicator="NI 999"),
            _concern("an old visit", inspection_id="NO-SUCH-INSPECTION"),
        )
    )

    judgement = _judgement(api)
    assert judgement["flag"] == "red"
    assert sorted(u["subject"] for u in judgement["unmatched"]) == ["a typo", "an old visit"]
    assert all("matches nothing" in u["reason"] for u in judgement["unmatched"])


# --- 4. the inspectorates determine the need for inspection -------------------------------


def test_a_risk_triggered_request_waits_on_the_owning_inspectorates_triage(api: Api) -> None:
    _flag_sandwell(api)

    [waiting] = api.get("/v1/inspectorates/ofsted/triage", "inspectorate:ofsted")

    assert waiting["state"] == "in_triage" and waiting["rule_ids"] == ["IND-FLOOR-2Q"]
    assert waiting["due"] == "2009-08-03"  # ten working days after 20 July 2009
    assert api.get("/v1/decisions", "gatekeeper") == []  # the gatekeeper has nothing yet
    assert api.get("/v1/inspectorates/ofsted/work", "inspectorate:ofsted") == []

    confirmed = api.client.post(
        f"/v1/triage/{waiting['request_id']}/confirm", headers=api.auth("inspectorate:ofsted")
    )
    assert confirmed.status_code == 200 and confirmed.get_json()["state"] == "confirmed"
    api.system.pump()
    [decision] = api.get("/v1/decisions", "gatekeeper")
    assert decision["request_id"] == waiting["request_id"]
    assert decision["decided_on"] == "2009-08-03"
    assert api.get("/v1/inspectorates/ofsted/triage", "inspectorate:ofsted") == []


def test_a_declined_request_is_recorded_with_the_judgement(api: Api) -> None:
    _flag_sandwell(api)
    [waiting] = api.get("/v1/inspectorates/ofsted/triage", "inspectorate:ofsted")

    declined = api.client.post(
        f"/v1/triage/{waiting['request_id']}/decline",
        json={"reason": "The annual performance assessment in December covers it."},
        headers=api.auth("inspectorate:ofsted"),
    )

    assert declined.status_code == 200
    api.system.pump()
    assert api.get("/v1/decisions", "gatekeeper") == []
    judgement = _judgement(api)
    assert judgement["flag"] == "red"  # the flag stands; the inspection is not needed
    [triage] = judgement["triage"]
    assert triage["state"] == "declined"
    assert triage["decline_reason"] == "The annual performance assessment in December covers it."


def test_a_request_left_in_triage_is_confirmed_automatically_on_its_due_day(api: Api) -> None:
    _flag_sandwell(api)
    assert api.system.gatekeeper.triage.sweep(date(2009, 7, 31)) == 0  # not due yet

    assert api.system.gatekeeper.triage.sweep(date(2009, 8, 3)) == 1
    api.system.pump()

    [decision] = api.get("/v1/decisions", "gatekeeper")
    assert decision["decided_on"] == "2009-08-03"
    [record] = api.get("/v1/inspectorates/ofsted/triage?state=all", "inspectorate:ofsted")
    assert record["state"] == "auto_confirmed" and record["by"] is None


def test_a_scripted_triage_step_is_stamped_alike_whenever_it_is_replayed(tmp_path: Path) -> None:
    """A step replayed on its scripted day (the sample year's) is stamped at the start of that
    day, never before the request arrived: two replays of the same events give the same
    messages, whatever the time of day they run at."""
    ofsted = Actor(id="sample", holder="Ofsted", role="inspectorate:ofsted")
    quarters = [
        _quarter("2009-Q1", 11.2, "2009-04-20T09:00:00+01:00"),
        _quarter("2009-Q2", 12.5, "2009-07-20T09:00:00+01:00"),
    ]
    logs = []
    for replay in ("first", "second"):
        api = _api(tmp_path / replay)
        api.post_events(*quarters)
        [waiting] = api.system.gatekeeper.triage.items("ofsted")
        api.system.gatekeeper.triage.confirm(
            waiting["request_id"], actor=ofsted, on=date(2009, 7, 31)
        )
        api.system.pump()
        logs.append([r.value for r in api.system.bus.read_all(topics.DECISIONS)])
        time.sleep(0.01)  # the second replay runs later by the wall clock
    assert len(logs[0]) == 3  # held, confirmed, decided
    assert logs[0] == logs[1]
    stamped = [json.loads(v)["occurred_at"] for v in logs[0][1:]]
    assert stamped == ["2009-07-31T00:00:00+00:00"] * 2
    # On the day the request arrived, a step is stamped at its receipt, not before it.
    received = json.loads(logs[0][0])["payload"]["request"]["received_at"]
    assert scripted_at(date(2009, 7, 20), received) == received
    assert scripted_at(date(2009, 7, 21), received) == "2009-07-21T00:00:00+00:00"


def test_triage_refuses_another_role_and_a_request_not_in_triage(api: Api) -> None:
    _flag_sandwell(api)
    [waiting] = api.get("/v1/inspectorates/ofsted/triage", "inspectorate:ofsted")
    url = f"/v1/triage/{waiting['request_id']}/confirm"

    for role in ("inspectorate:cqc", "gatekeeper", "integrator"):
        assert api.client.post(url, headers=api.auth(role)).status_code == 403, role
    other = api.client.get("/v1/inspectorates/ofsted/triage", headers=api.auth("inspectorate:cqc"))
    assert other.status_code == 403

    assert api.client.post(url, headers=api.auth("inspectorate:ofsted")).status_code == 200
    again = api.client.post(url, headers=api.auth("inspectorate:ofsted"))
    assert again.status_code == 409
    assert again.get_json()["errors"]["state"] == ["is confirmed, not in_triage"]


def test_safeguarding_and_fraud_go_straight_to_the_gatekeeper(system: System) -> None:
    request = {
        "event_id": str(uuid.uuid4()), "type": "inspection.requested",
        "occurred_at": "2009-07-20T09:00:00+00:00", "source": "riskgate.risk", "body": SANDWELL,
        "payload": {
            "request_id": "REQ-SAFEGUARDING", "inspectorate": "ofsted", "theme": CYP,
            "area": SANDWELL, "origin": "risk_rule", "reason": "children at risk",
            "concern": "safeguarding", "window_start": "2009-08-01", "window_end": "2009-10-31",
            "on_site_days": 3,
        },
    }  # fmt: skip

    system.gatekeeper.handle(request)

    assert system.gatekeeper.triage.items("ofsted") == []
    [decision] = system.gatekeeper.decisions()
    assert decision["request_id"] == "REQ-SAFEGUARDING"


# --- 5. partners' complaints flag but request no inspection ---------------------------------


def test_partners_complaints_keep_the_flag_and_evidence_but_request_no_inspection(
    api: Api,
) -> None:
    complaints = [
        _event("complaint.received", SANDWELL, on, {
            "complaint_ref": ref, "channel": "partner", "partner": partner, "formal": True,
            "theme": SAFER, "category": "anti-social behaviour"})
        for ref, partner, on in (("P1", "E23000014", "2009-03-02T10:00:00+00:00"),
                                 ("P2", "E31000035", "2009-05-11T10:00:00+00:00"))
    ]  # fmt: skip
    api.post_events(*complaints)

    judgement = api.get(f"/v1/areas/{SANDWELL}/assessment?year=2009", f"council:{SANDWELL}")["themes"][SAFER]

    assert judgement["flag"] == "red" and judgement["rule_ids"] == ["CMP-PARTNERS"]
    assert {e["event_id"] for e in judgement["evidence"]} == {c["event_id"] for c in complaints}
    assert api.get("/v1/inspection-requests", "gatekeeper") == []
    assert api.get("/v1/inspectorates/hmic/triage", "inspectorate:hmic") == []


# --- 6. earned autonomy and the underperformance ladder -----------------------------------


def test_earned_autonomy_refuses_programme_inspection_but_not_a_government_office(
    api: Api,
) -> None:
    api.post_events(_event("use_of_resources.scored", SANDWELL, "2009-06-30T10:00:00+01:00",
                           {"year": 2009, "score": 4, "managing_performance": 4}))  # fmt: skip

    go = _propose(api, _proposal(CYP, ("2009-09-01", "2009-12-31"), 3))
    programme = _propose(api, _proposal(
        SAFER, ("2009-09-01", "2009-12-31"), 3, origin="inspectorate_programme",
        programme_ground="system_change", justification="a national study of youth services"),
        role="inspectorate:ofsted")  # fmt: skip

    assert go["outcome"] == "approved" and "GK-AUTONOMY" not in go["policy_ids"]
    assert programme["outcome"] == "rejected" and programme["policy_ids"] == ["GK-AUTONOMY"]


# --- 7. every number says where it comes from ------------------------------------------------


LOCAL = "a local setting: riskgate's default"


def test_every_policy_and_citizens_parameter_states_its_source() -> None:
    checked = check_rules(ROOT / "rules")

    for policy in checked.policies.policies:
        assert set(policy.sources) == set(policy.parameters), policy.id
    cap = checked.policies.of_kind("cap")
    rest, notice = checked.policies.of_kind("rest"), checked.policies.of_kind("notice")
    assert cap is not None and rest is not None and notice is not None
    assert cap.sources["max_on_site_days_12m"].startswith(LOCAL)
    assert rest.sources["min_gap_days"].startswith(LOCAL)
    assert notice.sources["working_days"].startswith(LOCAL)
    assert checked.citizens.unsourced() == []
    assert checked.citizens.sources["debate_threshold"].startswith(LOCAL)
    assert checked.citizens.sources["response_working_days"].startswith("White Paper 3.35")
    table = (ROOT / "rules" / "README.md").read_text()
    assert "| 9 | rest | GK-REST | the gap between visits | `min_gap_days`" in table
    assert "(30) | a local setting: riskgate's default |" in table
    assert "| 1500 | a local setting: riskgate's default |" in table


def test_lint_refuses_a_parameter_without_its_source(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    policies = rules / "policies.yaml"
    text = policies.read_text()
    policies.write_text(
        text.replace('      min_gap_days: "a local setting: riskgate\'s default (30 days\' rest)"\n', "")
    )

    result = CliRunner().invoke(main, ["rules", "lint", "--dir", str(rules)])

    assert result.exit_code != 0
    assert "no source stated for GK-REST.min_gap_days" in result.output
