"""The citizens' stories of the sample year through the embedded pipeline and the public
API: calls for action listed with stage, deadlines and what is overdue, filtered by council
and status; petitions with their debate threshold and link to a call; the burden report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient

from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app
from riskgate.sample import scripted_stories, stories
from riskgate.service_layer.burden import as_csv, burden_rows
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> System:
    system = bootstrap(
        Settings(
            rules_dir=ROOT / "rules", home=tmp_path_factory.mktemp("home"),
            today=dt.date(2009, 12, 31),
        )
    )  # fmt: skip
    events = sorted(
        (e for _, story in scripted_stories(2009, 2009) for e in story),
        key=lambda e: (e["occurred_at"], e["event_id"]),
    )
    assert not system.ingest.submit(events).errors
    system.pump()
    system.citizens.sweep()
    system.pump()
    return system


@pytest.fixture
def client(system: System) -> FlaskClient:
    return create_app(system).test_client()


def _get(client: FlaskClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_story_ends_as_planted(client: FlaskClient) -> None:
    cases = {c["case_ref"]: c for c in _get(client, "/v1/calls-for-action")}
    for story in stories():
        if story.case_ref is not None:
            assert cases[story.case_ref]["status"] == story.expect, story


def test_calls_are_filtered_by_council_and_status(client: FlaskClient) -> None:
    leeds = _get(client, "/v1/calls-for-action?council=E08000035")
    assert {c["council"] for c in leeds} == {"E08000035"} and len(leeds) == 3
    refused = _get(client, "/v1/calls-for-action?status=refused")
    assert {c["refusal"]["rule"] for c in refused} == {"CCFA-REPEATED", "CCFA-STATUTORY-APPEAL"}
    assert all(c["refusal"]["reason"] for c in refused)
    response = client.get("/v1/calls-for-action?status=sleeping")
    assert response.status_code == 400 and "status" in response.get_json()["errors"]["query"]


def test_a_missed_deadline_is_visible_on_the_case(client: FlaskClient) -> None:
    [escalated] = [
        c
        for c in _get(client, "/v1/calls-for-action?status=escalated")
        if c["escalation"]["urgency"] == "normal"
    ]
    [overdue] = escalated["overdue"]
    # The county never gave the committee its information: 20 English working days from the
    # referral on 20 April 2009 (White Paper 3.35), over the May Day bank holiday.
    assert overdue["kind"] == "information" and overdue["met_on"] is None
    assert overdue["due"] == "2009-05-19"
    assert escalated["petition_ref"] is not None


def test_petitions_show_their_threshold_and_the_call_they_became(client: FlaskClient) -> None:
    [petition] = _get(client, "/v1/petitions")
    assert petition["debate_required"] is True and petition["debate_threshold"] == 1500
    assert petition["status"] == "referred_to_ccfa" and petition["ccfa_case_ref"]


def test_the_burden_report_counts_requested_and_approved_days(system: System) -> None:
    requests = system.gatekeeper.requests()
    # Two calls escalated; the partners' formal complaints also fired CMP-PARTNERS, which flags
    # but requests no inspection: bottom-up requests come only through the call for action.
    assert sorted(r["origin"] for r in requests) == ["call_for_action", "call_for_action"]
    rows = burden_rows(requests, system.gatekeeper.inspections(), 2009)
    total = next(r for r in rows if r["by"] == "total")
    assert total["requests"] == len(requests)
    assert total["requested_days"] == sum(r["on_site_days"] for r in requests)
    assert total["approved_days"] == sum(i["on_site_days"] for i in system.gatekeeper.inspections())
    assert total["saved_days"] == total["requested_days"] - total["approved_days"]
    assert {r["code"] for r in rows if r["by"] == "inspectorate"} == {
        r["inspectorate"] for r in requests
    }
    assert as_csv(rows).splitlines()[0] == (
        "by,code,requests,requested_days,inspections,approved_days,saved_days"
    )
    assert burden_rows(requests, system.gatekeeper.inspections(), 2010) == []
