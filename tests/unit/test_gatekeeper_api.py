"""The gatekeeper's and the inspectorates' API, embedded (memory bus and store), through Flask's
test client: proposals and their decisions, overrides, the work lists and the lifecycle of an
inspection from assigned to completed, the burden on a body and the national programme."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from riskgate import topics
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app
from tests.conftest import ROOT, pin_today

TODAY = date(2009, 10, 1)
SANDWELL = "E08000028"  # a metropolitan district: its own area
HAMPSHIRE = "E10000014"  # a county: the area of its districts
BASINGSTOKE = "E07000084"  # a district in Hampshire's area
CYP = "children_and_young_people"  # unannounced visits allowed (GK-NOTICE)
HEALTH = "healthier_communities_and_older_people"
SAFER = "safer_and_stronger_communities"
ECONOMY = "economic_development_and_environment"  # needs ten working days' notice
RESOURCES = "use_of_resources"  # needs ten working days' notice
GATEKEEPER = "gatekeeper"
JUSTIFICATION = "The department withdrew its concern after the council's own review."


def inspectorate(code: str) -> str:
    return f"inspectorate:{code}"


@dataclass
class Api:
    system: System
    client: FlaskClient

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.system.tokens.create(role)}"}

    def get(self, path: str, role: str) -> TestResponse:
        return self.client.get(path, headers=self.auth(role))

    def post(self, path: str, role: str, body: dict[str, Any] | None = None) -> TestResponse:
        """POST as `role`, then let every consumer catch up."""
        response = self.client.post(path, json=body, headers=self.auth(role))
        self.system.pump()
        return response

    def propose(self, role: str = "integrator", **changes: Any) -> str:
        """Post a proposal (see `proposal`), let the gatekeeper decide it; its request id."""
        response = self.post("/v1/inspection-requests", role, proposal(**changes))
        assert response.status_code == 202, response.get_json()
        return str(response.get_json()["request_id"])

    def decisions(self) -> list[dict[str, Any]]:
        response = self.get("/v1/decisions", GATEKEEPER)
        assert response.status_code == 200
        return list(response.get_json())

    def decision(self, request_id: str) -> dict[str, Any]:
        [found] = [d for d in self.decisions() if d["request_id"] == request_id]
        return found

    def approved(self, **changes: Any) -> str:
        """Propose, expect an approval; the inspection id."""
        decision = self.decision(self.propose(**changes))
        assert decision["outcome"] == "approved", decision["reasons"]
        return str(decision["inspection_id"])

    def work(self, code: str, status: str | None = None) -> list[dict[str, Any]]:
        query = f"?status={status}" if status else ""
        response = self.get(f"/v1/inspectorates/{code}/work{query}", inspectorate(code))
        assert response.status_code == 200
        return list(response.get_json())

    def statuses(self, code: str) -> dict[str, str]:
        """Inspection id -> status on the inspectorate's work list."""
        return {item["inspection_id"]: item["status"] for item in self.work(code)}

    def command(
        self, inspection_id: str, action: str, by: str, body: dict[str, Any] | None = None
    ) -> TestResponse:
        """An inspectorate's command on its work: accept, decline, schedule or complete."""
        return self.post(f"/v1/work/{inspection_id}/{action}", inspectorate(by), body)

    def schedule(self, inspection_id: str, by: str, start: str, days: int = 3) -> TestResponse:
        return self.command(inspection_id, "schedule", by, {"start": start, "on_site_days": days})

    def override(
        self, decision_id: str, body: dict[str, Any], role: str = GATEKEEPER
    ) -> TestResponse:
        return self.post(f"/v1/decisions/{decision_id}/override", role, body)

    def set_today(self, day: date) -> None:
        """Move the pinned clock on (time passes between scheduling and completing)."""
        pin_today(self.system, day)


@pytest.fixture
def api(tmp_path: Path) -> Api:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=TODAY))
    app = create_app(system)
    app.config["TESTING"] = True
    return Api(system, app.test_client())


def proposal(**changes: Any) -> dict[str, Any]:
    """A department's proposal that Ofsted inspects Sandwell's children's services this autumn."""
    return {
        "body": SANDWELL,
        "inspectorate": "ofsted",
        "theme": CYP,
        "origin": "department",
        "reason": "DCSF is concerned about the council's children's services",
        "window_start": "2009-10-05",
        "window_end": "2009-12-31",
        "on_site_days": 3,
        **changes,
    }


def assert_error(response: TestResponse, status: int, *words: str) -> dict[str, Any]:
    """The one error shape, with `words` in its message or its errors."""
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["code"] == status
    assert {"code", "status", "message"} <= set(body)
    said = body["message"] + json.dumps(body.get("errors"))
    for word in words:
        assert word in said, f"{word!r} not in {said!r}"
    return dict(body)


def findings(api: Api) -> list[dict[str, Any]]:
    """The `inspection.finding` events published for the risk service."""
    events = (json.loads(record.value) for record in api.system.bus.read_all(topics.EVENTS))
    return [e for e in events if e["type"] == "inspection.finding"]


def judgement(api: Api, area: str, theme: str) -> dict[str, Any]:
    """The area's 2009 judgement on a theme, as the gatekeeper sees it (a draft until
    publication on 9 December 2009)."""
    response = api.client.get(
        f"/v1/areas/{area}/assessment?year=2009", headers=api.auth("gatekeeper")
    )
    assert response.status_code == 200
    return dict(response.get_json()["themes"][theme])


# --- an inspection's lifecycle ---------------------------------------------------------------


def test_an_inspection_goes_from_assigned_to_completed_and_its_finding_flags_the_area(
    api: Api,
) -> None:
    inspection_id = api.approved()
    assert api.statuses("ofsted") == {inspection_id: "assigned"}

    accepted = api.command(inspection_id, "accept", "ofsted")
    assert accepted.status_code == 200
    assert accepted.get_json()["accepted_by"] == ["ofsted"]
    assert api.statuses("ofsted") == {inspection_id: "accepted"}

    scheduled = api.schedule(inspection_id, "ofsted", "2009-10-19")
    assert scheduled.status_code == 200
    [item] = api.work("ofsted")
    assert (item["status"], item["on_site_start"], item["on_site_end"]) == (
        "scheduled",
        "2009-10-19",
        "2009-10-21",
    )
    assert judgement(api, SANDWELL, CYP)["flag"] is None

    api.set_today(date(2009, 11, 2))  # the visit is over
    completed = api.command(
        inspection_id, "complete", "ofsted", {"finding": 1, "summary": "Inadequate safeguarding"}
    )

    assert completed.status_code == 200
    assert api.statuses("ofsted")[inspection_id] == "completed"
    [done] = api.work("ofsted", status="completed")
    assert (done["inspection_id"], done["finding"]) == (inspection_id, 1)
    [finding] = findings(api)
    assert finding["payload"]["inspection_id"] == inspection_id
    flagged = judgement(api, SANDWELL, CYP)
    assert flagged["flag"] == "red"
    assert flagged["rule_ids"] == ["FND-INADEQUATE"]
    assert [e["event_id"] for e in flagged["evidence"]] == [finding["event_id"]]
    assert inspection_id in flagged["narrative"]


def test_an_inspection_is_completed_only_after_its_on_site_start(api: Api) -> None:
    inspection_id = api.approved()
    api.command(inspection_id, "accept", "ofsted")
    api.schedule(inspection_id, "ofsted", "2009-10-19")

    response = api.command(inspection_id, "complete", "ofsted", {"finding": 3, "summary": "Good"})

    assert_error(response, 409, "2009-10-19")
    assert api.statuses("ofsted") == {inspection_id: "scheduled"}
    assert findings(api) == []


@pytest.mark.parametrize(
    ("changes", "refused", "policy", "fits"),
    [
        pytest.param(
            {"theme": RESOURCES, "inspectorate": "audit_commission", "window_start": "2010-02-01",
             "window_end": "2010-06-30"},
            "2010-03-29", "GK-BLACKOUT", "2010-05-10", id="pre-election-blackout",
        ),
        pytest.param(
            {"theme": ECONOMY, "inspectorate": "audit_commission"},
            "2009-10-08", "GK-NOTICE", "2009-10-19", id="ten-working-days-notice",
        ),
    ],
)  # fmt: skip
def test_a_schedule_breaking_a_policy_is_refused_with_the_reason_and_accepted_once_moved(
    api: Api, changes: dict[str, Any], refused: str, policy: str, fits: str
) -> None:
    lead = changes["inspectorate"]
    inspection_id = api.approved(**changes)
    assert api.command(inspection_id, "accept", lead).status_code == 200

    response = api.schedule(inspection_id, lead, refused)

    body = assert_error(response, 409, policy)
    [reason] = body["errors"]["start"]
    assert reason.startswith(f"{policy}: ")
    assert api.statuses(lead) == {inspection_id: "accepted"}
    moved = api.schedule(inspection_id, lead, fits)
    assert moved.status_code == 200, moved.get_json()
    assert api.work(lead)[0]["on_site_start"] == fits
    assert api.statuses(lead) == {inspection_id: "scheduled"}


def test_a_schedule_too_soon_after_another_visit_to_the_body_is_refused_by_rest(api: Api) -> None:
    first = api.approved(inspectorate="audit_commission", theme=RESOURCES, window_end="2009-11-30")
    second = api.approved(
        inspectorate="hmic", theme=SAFER, window_start="2010-01-04", window_end="2010-02-26"
    )
    assert first != second
    [visit] = api.work("audit_commission")
    assert visit["on_site_end"] == "2009-10-19"  # 3 days from 2009-10-15, after the notice
    api.command(second, "accept", "hmic")

    response = api.schedule(second, "hmic", "2009-11-17")  # 29 days after the first visit

    body = assert_error(response, 409, "GK-REST", first, "29 days", "30 days")
    assert [r.split(":")[0] for r in body["errors"]["start"]] == ["GK-REST"]
    assert api.schedule(second, "hmic", "2009-11-18").status_code == 200  # 30 days after
    assert api.statuses("hmic") == {second: "scheduled"}


# --- who may do what ---------------------------------------------------------------------------


@pytest.fixture
def joint(api: Api) -> str:
    """A joint inspection of Sandwell: the Audit Commission leads (5 days), Ofsted takes part."""
    first = api.approved(inspectorate="audit_commission", theme=RESOURCES, on_site_days=5)
    decision = api.decision(api.propose(inspectorate="ofsted", theme=CYP, on_site_days=3))
    assert (decision["outcome"], decision["inspection_id"]) == ("joint", first)
    return first


def test_one_joint_inspection_for_two_inspectorates_with_one_lead_and_days_not_summed(
    api: Api, joint: str
) -> None:
    [lead_item] = api.work("audit_commission")
    [other_item] = api.work("ofsted")

    assert lead_item["inspection_id"] == other_item["inspection_id"] == joint
    assert lead_item["lead_inspectorate"] == other_item["lead_inspectorate"] == "audit_commission"
    assert lead_item["participants"] == ["audit_commission", "ofsted"]
    assert sorted(lead_item["themes"]) == sorted([CYP, RESOURCES])
    assert lead_item["on_site_days"] == 5  # the larger need, not 5 + 3
    assert (lead_item["on_site_start"], lead_item["on_site_end"]) == ("2009-10-15", "2009-10-21")
    [decision] = [d for d in api.decisions() if d["outcome"] == "joint"]
    assert decision["policy_ids"] == ["GK-JOINT"]
    assert "Audit Commission leads" in decision["reasons"][0]
    assert "not 8" in decision["reasons"][0]
    assert len(api.get("/v1/programme?from=2009-10-01&to=2009-12-31", GATEKEEPER).get_json()) == 1


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("schedule", {"start": "2009-10-19", "on_site_days": 5}),
        ("complete", {"finding": 2, "summary": "Adequate"}),
    ],
)
def test_only_the_lead_may_schedule_or_complete(
    api: Api, joint: str, action: str, body: dict[str, Any]
) -> None:
    assert api.command(joint, "accept", "ofsted").status_code == 200
    assert api.statuses("ofsted") == {joint: "assigned"}  # until the lead accepts
    assert api.command(joint, "accept", "audit_commission").status_code == 200

    response = api.command(joint, action, "ofsted", body)

    assert_error(response, 403, "only the lead inspectorate (audit_commission)", action)
    assert api.statuses("audit_commission") == {joint: "accepted"}


@pytest.mark.parametrize("action", ["accept", "decline", "schedule", "complete"])
def test_an_inspectorate_not_taking_part_may_not_touch_the_work(
    api: Api, joint: str, action: str
) -> None:
    bodies: dict[str, dict[str, Any]] = {
        "decline": {"reason": "Not ours"},
        "schedule": {"start": "2009-10-19", "on_site_days": 5},
        "complete": {"finding": 2, "summary": "Adequate"},
    }
    body = bodies.get(action)

    response = api.command(joint, action, "hmic", body)

    assert_error(response, 403, "hmic does not take part", joint)
    assert api.statuses("audit_commission") == {joint: "assigned"}
    assert api.work("hmic") == []


def test_a_command_in_the_wrong_status_is_409(api: Api) -> None:
    inspection_id = api.approved()

    before_accepting = api.schedule(inspection_id, "ofsted", "2009-10-19")
    assert_error(before_accepting, 409, "cannot schedule", "it is assigned")
    api.command(inspection_id, "accept", "ofsted")
    before_scheduling = api.command(
        inspection_id, "complete", "ofsted", {"finding": 2, "summary": "Adequate"}
    )
    assert_error(before_scheduling, 409, "cannot complete", "it is accepted")
    api.schedule(inspection_id, "ofsted", "2009-10-19")
    after_scheduling = api.command(inspection_id, "decline", "ofsted", {"reason": "Too late"})
    assert_error(after_scheduling, 409, "cannot decline", "it is scheduled")

    assert api.statuses("ofsted") == {inspection_id: "scheduled"}


def test_commands_on_an_unknown_inspection_are_404_and_need_an_inspectorate(api: Api) -> None:
    inspection_id = api.approved()

    assert_error(api.command("no-such-inspection", "accept", "ofsted"), 404, "no-such-inspection")
    assert_error(api.post(f"/v1/work/{inspection_id}/accept", GATEKEEPER), 403, "inspectorate")
    assert api.client.post(f"/v1/work/{inspection_id}/accept").status_code == 401
    assert api.statuses("ofsted") == {inspection_id: "assigned"}


def test_an_inspectorate_reads_only_its_own_work_list(api: Api) -> None:
    inspection_id = api.approved()

    assert_error(api.get("/v1/inspectorates/ofsted/work", inspectorate("cqc")), 403, "cqc")
    assert_error(api.get("/v1/inspectorates/ofsted/work", GATEKEEPER), 403)
    assert [i["inspection_id"] for i in api.work("ofsted")] == [inspection_id]
    assert api.work("ofsted", status="completed") == []
    unknown_status = api.get("/v1/inspectorates/ofsted/work?status=done", inspectorate("ofsted"))
    assert_error(unknown_status, 400, "status")


# --- decline and re-route ----------------------------------------------------------------------


def test_a_declined_inspection_is_rerouted_to_another_inspectorate(api: Api) -> None:
    inspection_id = api.approved(theme=HEALTH)

    declined = api.command(inspection_id, "decline", "ofsted", {"reason": "Adult care is CQC's"})

    assert declined.status_code == 200
    [seen] = api.get("/v1/inspections?status=declined", GATEKEEPER).get_json()
    assert (seen["inspection_id"], seen["status"]) == (inspection_id, "declined")
    assert seen["declined_reason"] == "Adult care is CQC's"
    assert api.statuses("ofsted") == {inspection_id: "declined"}

    rerouted = api.post(
        f"/v1/inspections/{inspection_id}/reroute",
        GATEKEEPER,
        {"inspectorate": "cqc", "reason": "CQC inspects adult social care"},
    )

    assert rerouted.status_code == 200
    assert (rerouted.get_json()["lead_inspectorate"], rerouted.get_json()["status"]) == (
        "cqc",
        "assigned",
    )
    [item] = api.work("cqc")
    assert (item["inspection_id"], item["status"], item["participants"]) == (
        inspection_id,
        "assigned",
        ["cqc"],
    )
    assert api.work("ofsted") == []
    assert api.get("/v1/inspections?status=declined", GATEKEEPER).get_json() == []
    assert api.command(inspection_id, "accept", "cqc").status_code == 200
    assert_error(api.command(inspection_id, "accept", "ofsted"), 403, "ofsted does not take part")


def test_only_a_declined_inspection_is_rerouted_and_only_by_the_gatekeeper(api: Api) -> None:
    inspection_id = api.approved()
    body = {"inspectorate": "cqc", "reason": "Try CQC"}
    path = f"/v1/inspections/{inspection_id}/reroute"

    assert_error(api.post(path, GATEKEEPER, body), 409, "only a declined inspection", "assigned")
    api.command(inspection_id, "decline", "ofsted", {"reason": "No capacity"})
    assert_error(api.post(path, inspectorate("ofsted"), body), 403, "gatekeeper")
    assert_error(api.get("/v1/inspections", inspectorate("ofsted")), 403, "gatekeeper")
    assert api.work("cqc") == []
    assert api.statuses("ofsted") == {inspection_id: "declined"}


# --- overrides -----------------------------------------------------------------------------------


def test_overriding_an_approval_keeps_the_original_and_cancels_the_inspection(api: Api) -> None:
    request_id = api.propose()
    original = api.decision(request_id)
    inspection_id = original["inspection_id"]
    assert api.statuses("ofsted") == {inspection_id: "assigned"}

    response = api.override(
        original["decision_id"], {"outcome": "rejected", "justification": JUSTIFICATION}
    )

    assert response.status_code == 201
    after = api.decision(request_id)
    assert {k: v for k, v in after.items() if k != "overrides"} == {
        k: v for k, v in original.items() if k != "overrides"
    }
    assert after["outcome"] == "approved"
    [override] = after["overrides"]
    assert (override["previous_outcome"], override["outcome"]) == ("approved", "rejected")
    assert override["justification"] == JUSTIFICATION
    assert override["overridden_by"] == GATEKEEPER
    assert override["overridden_on"] == TODAY.isoformat()
    assert api.work("ofsted") == []
    assert [i["status"] for i in api.work("ofsted", status="cancelled")] == ["cancelled"]
    assert api.get("/v1/programme?from=2009-10-01&to=2009-12-31", GATEKEEPER).get_json() == []


def test_only_the_gatekeeper_may_override(api: Api) -> None:
    decision = api.decision(api.propose())
    body = {"outcome": "rejected", "justification": JUSTIFICATION}

    assert_error(api.override(decision["decision_id"], body, inspectorate("ofsted")), 403)
    assert_error(api.override(decision["decision_id"], body, "integrator"), 403)

    assert api.decision(decision["request_id"])["overrides"] == []
    assert api.statuses("ofsted") == {decision["inspection_id"]: "assigned"}


@pytest.mark.parametrize(
    "body",
    [{"outcome": "rejected"}, {"outcome": "rejected", "justification": "because"}],
    ids=["missing", "short"],
)
def test_an_override_needs_a_justification(api: Api, body: dict[str, Any]) -> None:
    decision = api.decision(api.propose())

    response = api.override(decision["decision_id"], body)

    assert_error(response, 400, "justification")
    assert "justification" in response.get_json()["errors"]["json"]
    assert api.decision(decision["request_id"])["overrides"] == []
    assert api.statuses("ofsted") == {decision["inspection_id"]: "assigned"}


def test_an_override_of_an_unknown_decision_is_404(api: Api) -> None:
    response = api.override(
        "no-such-decision", {"outcome": "approved", "justification": JUSTIFICATION}
    )

    assert_error(response, 404, "no-such-decision")


def test_overriding_an_out_of_scope_rejection_makes_an_inspection(api: Api) -> None:
    request_id = api.propose(inspectorate="cqc", theme=HEALTH, subject="care_home")
    rejected = api.decision(request_id)
    assert (rejected["outcome"], rejected["policy_ids"]) == ("rejected", ["GK-SCOPE"])
    assert api.work("cqc") == []

    response = api.override(
        rejected["decision_id"],
        {"outcome": "approved", "justification": JUSTIFICATION, "start": "2009-11-02"},
    )

    assert response.status_code == 201
    made = response.get_json()["inspection"]
    [item] = api.work("cqc")
    assert item["inspection_id"] == made["inspection_id"]
    assert (item["status"], item["lead_inspectorate"], item["on_site_start"]) == (
        "assigned",
        "cqc",
        "2009-11-02",
    )
    after = api.decision(request_id)
    assert (after["outcome"], after["inspection_id"]) == ("rejected", None)
    assert [o["outcome"] for o in after["overrides"]] == ["approved"]


def test_an_inspection_made_by_an_override_is_cancelled_by_the_next_override(api: Api) -> None:
    request_id = api.propose(inspectorate="cqc", theme=HEALTH, subject="care_home")
    decision_id = api.decision(request_id)["decision_id"]
    api.override(decision_id, {"outcome": "approved", "justification": JUSTIFICATION})
    [made] = api.work("cqc")

    response = api.override(decision_id, {"outcome": "rejected", "justification": JUSTIFICATION})

    assert response.status_code == 201
    assert response.get_json()["inspection"]["inspection_id"] == made["inspection_id"]
    assert response.get_json()["previous_outcome"] == "approved"
    assert api.work("cqc") == []
    [cancelled] = api.work("cqc", status="cancelled")
    assert cancelled["inspection_id"] == made["inspection_id"]


def test_overrides_on_one_day_are_listed_in_the_order_they_were_made(api: Api) -> None:
    decision = api.decision(api.propose())
    outcomes = ["rejected", "approved", "rejected", "approved"]
    for outcome in outcomes:
        response = api.override(
            decision["decision_id"], {"outcome": outcome, "justification": JUSTIFICATION}
        )
        assert response.status_code == 201, response.get_json()

    overrides = api.decision(decision["request_id"])["overrides"]

    assert [o["outcome"] for o in overrides] == outcomes
    assert [o["previous_outcome"] for o in overrides] == ["approved", *outcomes[:-1]]
    assert api.statuses("ofsted") == {decision["inspection_id"]: "assigned"}


# --- intake ------------------------------------------------------------------------------------


def test_a_care_home_request_is_out_of_scope_and_told_where_it_belongs(api: Api) -> None:
    decision = api.decision(api.propose(inspectorate="cqc", theme=HEALTH, subject="care_home"))

    assert decision["outcome"] == "rejected"
    assert decision["policy_ids"] == ["GK-SCOPE"]
    assert decision["inspection_id"] is None
    assert "Care Quality Commission's registration and inspection" in decision["reasons"][0]
    assert api.work("cqc") == []


def test_a_programme_request_without_a_ground_is_rejected_by_gk_programme(api: Api) -> None:
    request_id = api.propose(
        inspectorate("ofsted"),
        origin="inspectorate_programme",
        justification="Our own programme visits every metropolitan district",
    )

    decision = api.decision(request_id)

    assert (decision["outcome"], decision["policy_ids"]) == ("rejected", ["GK-PROGRAMME"])
    assert "it gives no ground" in decision["reasons"][0]
    assert "vulnerable_groups" in decision["reasons"][0]
    assert api.work("ofsted") == []


def test_a_programme_request_with_a_ground_and_justification_is_approved(api: Api) -> None:
    request_id = api.propose(
        inspectorate("ofsted"),
        origin="inspectorate_programme",
        programme_ground="vulnerable_groups",
        justification="Children in care placed out of the borough",
    )

    decision = api.decision(request_id)

    assert decision["outcome"] == "approved"
    assert decision["policy_ids"][-1] == "GK-APPROVE"
    assert [i["inspection_id"] for i in api.work("ofsted")] == [decision["inspection_id"]]
    [request] = api.get("/v1/inspection-requests", GATEKEEPER).get_json()
    assert (request["origin"], request["programme_ground"]) == (
        "inspectorate_programme",
        "vulnerable_groups",
    )
    assert request["source"] == "api:inspectorate:ofsted"


@pytest.mark.parametrize(
    ("role", "changes"),
    [
        pytest.param("integrator", {}, id="integrator-for-a-programme"),
        pytest.param(inspectorate("ofsted"), {"inspectorate": "cqc", "theme": HEALTH},
                     id="inspectorate-for-another"),
        pytest.param(inspectorate("ofsted"), {"origin": "government_office"},
                     id="inspectorate-for-a-government-office"),
    ],
)  # fmt: skip
def test_who_may_propose_what(api: Api, role: str, changes: dict[str, Any]) -> None:
    programme = {
        "origin": "inspectorate_programme",
        "programme_ground": "system_change",
        "justification": "Testing a new joint approach",
    }
    body = proposal(**{**programme, **changes})

    response = api.post("/v1/inspection-requests", role, body)

    assert_error(response, 403, role)
    assert api.system.bus.read_all(topics.REQUESTS) == []
    assert api.decisions() == []


def test_the_gatekeeper_may_propose_anything(api: Api) -> None:
    body = proposal(
        origin="inspectorate_programme",
        programme_ground="system_change",
        justification="Testing a new joint approach",
    )

    response = api.post("/v1/inspection-requests", GATEKEEPER, body)

    assert response.status_code == 202
    assert api.decision(response.get_json()["request_id"])["outcome"] == "approved"


def test_a_proposal_stamped_with_the_pinned_today_is_decided_on_it(api: Api) -> None:
    decision = api.decision(api.propose(theme=ECONOMY, inspectorate="audit_commission"))

    assert decision["decided_on"] == TODAY.isoformat()
    assert decision["policy_ids"] == ["GK-NOTICE", "GK-APPROVE"]
    [item] = api.work("audit_commission")
    assert item["on_site_start"] == "2009-10-15"  # ten working days after 2009-10-01


# --- burden and programme ----------------------------------------------------------------------


@pytest.fixture
def programme(api: Api) -> dict[str, str]:
    """Three approved inspections in two areas; name -> inspection id."""
    return {
        "sandwell": api.approved(),  # Ofsted, CYP, on site 2009-10-05 to 2009-10-07
        "hampshire": api.approved(
            body=HAMPSHIRE, inspectorate="audit_commission", theme=RESOURCES,
            window_start="2009-11-02", window_end="2010-01-29", on_site_days=5,
        ),  # 2009-11-02 to 2009-11-06
        "basingstoke": api.approved(
            body=BASINGSTOKE, inspectorate="hmic", theme=SAFER,
            window_start="2010-01-04", window_end="2010-03-01", on_site_days=4,
        ),  # 2010-01-04 to 2010-01-07
    }  # fmt: skip


def _programme(api: Api, query: str, role: str = GATEKEEPER) -> list[str]:
    response = api.get(f"/v1/programme?{query}", role)
    assert response.status_code == 200, response.get_json()
    return [i["inspection_id"] for i in response.get_json()]


def test_the_programme_by_dates_inspectorate_area_and_theme(
    api: Api, programme: dict[str, str]
) -> None:
    whole = "from=2009-10-01&to=2010-03-31"
    everything = [programme[k] for k in ("sandwell", "hampshire", "basingstoke")]

    assert _programme(api, whole) == everything
    assert _programme(api, whole, inspectorate("cqc")) == everything  # any inspectorate reads it
    assert _programme(api, "from=2009-11-01&to=2009-12-31") == [programme["hampshire"]]
    assert _programme(api, "from=2009-10-07&to=2009-11-02") == everything[:2]  # edges count
    assert _programme(api, f"{whole}&inspectorate=hmic") == [programme["basingstoke"]]
    assert _programme(api, f"{whole}&area={HAMPSHIRE}") == everything[1:]
    assert _programme(api, f"{whole}&theme={CYP}") == [programme["sandwell"]]
    assert _programme(api, f"{whole}&area={HAMPSHIRE}&theme={CYP}") == []
    [item] = api.get(f"/v1/programme?{whole}&inspectorate=ofsted", GATEKEEPER).get_json()
    assert (item["body"], item["on_site_start"], item["on_site_end"]) == (
        SANDWELL,
        "2009-10-05",
        "2009-10-07",
    )


def test_the_programme_needs_a_date_range_in_order_and_a_viewer(api: Api) -> None:
    assert_error(api.get("/v1/programme?from=2009-12-01&to=2009-11-01", GATEKEEPER), 400, "to")
    assert_error(api.get("/v1/programme?to=2009-11-01", GATEKEEPER), 400, "from")
    assert_error(api.get("/v1/programme?from=2009-11-01&to=2009-12-01", "integrator"), 403)


def test_the_burden_on_a_body_after_two_approvals(api: Api) -> None:
    first = api.approved()  # Ofsted, 3 days from 2009-10-05
    second = api.approved(
        inspectorate="audit_commission", theme=RESOURCES, window_start="2010-01-04",
        window_end="2010-02-26", on_site_days=5,
    )  # fmt: skip

    today = api.get(f"/v1/bodies/{SANDWELL}/burden", GATEKEEPER).get_json()

    assert today["on_day"] == TODAY.isoformat()
    assert (today["on_site_days_used_12m"], today["on_site_days_planned"]) == (0, 8)
    assert (today["on_site_days_left"], today["on_site_days_cap"]) == (12, 20)
    assert today["open_inspection_ids"] == sorted([first, second])
    assert [v["inspection_id"] for v in today["visits"]] == [first, second]
    # five days, ten working days' notice, 30 days after the first visit and before the second
    assert today["next_date_that_fits"] == "2009-11-06"

    later = api.get(f"/v1/bodies/{SANDWELL}/burden?on=2009-12-01", inspectorate("hmic"))

    assert later.status_code == 200
    figures = later.get_json()
    assert (figures["on_site_days_used_12m"], figures["on_site_days_planned"]) == (3, 5)
    assert figures["on_site_days_left"] == 12
    assert figures["last_visit_end"] == "2010-01-08"


def test_the_burden_needs_a_known_body_and_a_viewer(api: Api) -> None:
    assert_error(api.get("/v1/bodies/E99999999/burden", GATEKEEPER), 404, "E99999999")
    assert_error(api.get(f"/v1/bodies/{SANDWELL}/burden", "integrator"), 403)
    empty = api.get(f"/v1/bodies/{SANDWELL}/burden", GATEKEEPER).get_json()
    assert (empty["on_site_days_used_12m"], empty["on_site_days_left"]) == (0, 20)
    assert empty["next_date_that_fits"] == "2009-10-15"  # only notice holds it back
