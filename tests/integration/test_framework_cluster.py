"""The framework's gatekeeping on a real Kafka-protocol broker (Tansu) and real Redis, each
service its own process: one inspection for identical proposals (point 1), the committee's
20 working days from the referral (point 2), and the inspectorates' triage of risk-triggered
requests with its automatic confirmation (point 4)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskgate.adapters.redis_store import RedisStore
from riskgate.service_layer.tokens import Tokens
from tests.integration.cluster import Service, call, running, wait_for

pytestmark = pytest.mark.integration
SANDWELL, WALSALL, DUDLEY = "E08000028", "E08000030", "E08000027"
LEEDS, POLICE = "E08000035", "E23000010"
CYP, SAFER = "children_and_young_people", "safer_and_stronger_communities"
ROLES = ("integrator", "gatekeeper", "inspectorate:ofsted", "inspectorate:cqc")


@pytest.fixture
def cluster(kafka: str, redis_url: str, tmp_path: Path) -> Iterator[dict[str, Service]]:
    # "Today" is 3 August 2009 for every service; the gatekeeper sweeps its triage every second.
    with running(
        ("ingest", "risk", "gatekeeper", "citizens"),
        kafka,
        redis_url,
        tmp_path,
        RISKGATE_TODAY="2009-08-03",
        RISKGATE_SWEEP_SECONDS="1",
    ) as services:
        yield services


@pytest.fixture
def tokens(redis_url: str) -> dict[str, str]:
    registry = Tokens(RedisStore(redis_url))
    return {role: registry.create(role) for role in ROLES}


def _event(type_: str, body: str, occurred_at: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "type": type_, "occurred_at": occurred_at,
            "source": "data-hub", "body": body, "payload": payload}  # fmt: skip


def _post(cluster: dict[str, Service], token: str, *events: dict[str, Any]) -> None:
    status, body = call("POST", cluster["ingest"].url + "/v1/events", list(events), token)
    assert status == 202, body


def _gk(cluster: dict[str, Service], path: str, token: str, body: Any = None) -> Any:
    status, answer = call("POST" if body is not None else "GET",
                          cluster["gatekeeper"].url + path, body, token)  # fmt: skip
    assert status in (200, 202), (path, status, answer)
    return answer


def _decision(cluster: dict[str, Service], token: str, request_id: str) -> dict[str, Any]:
    return wait_for(
        lambda: next(
            (d for d in _gk(cluster, "/v1/decisions", token) if d["request_id"] == request_id),
            None,
        ),
        what=f"the decision on {request_id}",
    )


def test_identical_proposals_are_one_inspection_across_processes(
    cluster: dict[str, Service], tokens: dict[str, str]
) -> None:
    integrator, gatekeeper = tokens["integrator"], tokens["gatekeeper"]

    def propose(theme: str, window: tuple[str, str], days: int) -> dict[str, Any]:
        proposal = {
            "body": SANDWELL, "inspectorate": "ofsted", "theme": theme,
            "origin": "government_office", "reason": "GO West Midlands wants a closer look",
            "window_start": window[0], "window_end": window[1], "on_site_days": days,
        }  # fmt: skip
        request_id = _gk(cluster, "/v1/inspection-requests", integrator, proposal)["request_id"]
        return _decision(cluster, gatekeeper, request_id)

    assert propose(CYP, ("2009-09-01", "2009-12-31"), 5)["outcome"] == "approved"
    first = propose(SAFER, ("2009-09-01", "2009-09-30"), 3)
    assert first["outcome"] == "deferred"
    second = propose(SAFER, ("2009-09-01", "2009-09-30"), 3)
    assert second["outcome"] == "merged" and second["inspection_id"] == first["inspection_id"]
    assert len(_gk(cluster, "/v1/inspections", gatekeeper)) == 2

    ended = {"body": SANDWELL, "inspectorate": "ofsted", "theme": CYP,
             "origin": "department", "reason": "too late", "window_start": "2009-05-01",
             "window_end": "2009-07-31", "on_site_days": 3}  # fmt: skip
    status, refused = call(
        "POST", cluster["gatekeeper"].url + "/v1/inspection-requests", ended, integrator
    )
    assert status == 400 and "window_end" in refused["errors"]


def test_the_twenty_working_days_run_from_the_referral_across_processes(
    cluster: dict[str, Service], tokens: dict[str, str]
) -> None:
    _post(cluster, tokens["integrator"],
          _event("ccfa.raised", LEEDS, "2009-06-01T10:00:00+01:00", {
              "case_ref": "CCFA-LEEDS-9", "councillor_ref": "cllr-17", "ward": "Headingley",
              "issue": "Fly-tipping in the back lanes", "theme": SAFER,
              "bodies": [LEEDS, POLICE]}),
          _event("ccfa.referred", LEEDS, "2009-07-01T10:00:00+01:00", {
              "case_ref": "CCFA-LEEDS-9", "committee": "overview_and_scrutiny",
              "referred_on": "2009-07-01"}))  # fmt: skip

    def case() -> dict[str, Any] | None:
        status, cases = call("GET", cluster["citizens"].url + f"/v1/calls-for-action?council={LEEDS}")
        assert status == 200, cases
        return next((c for c in cases if c["deadlines"]), None)

    referred = wait_for(case, what="the referred case with its deadlines")
    # 20 English working days from Wednesday 1 July 2009: Wednesday 29 July.
    assert {(d["kind"], d["body"], d["due"]) for d in referred["deadlines"]} == {
        ("information", LEEDS, "2009-07-29"), ("information", POLICE, "2009-07-29"),
    }  # fmt: skip
    # The citizens service's sweep (today 3 August) finds both overdue.
    overdue = wait_for(lambda: (c := case()) and len(c["overdue"]) == 2 and c, what="overdue")
    assert {d["body"] for d in overdue["overdue"]} == {LEEDS, POLICE}

    _post(cluster, tokens["integrator"],
          _event("ccfa.information_requested", LEEDS, "2009-08-03T10:00:00+01:00", {
              "case_ref": "CCFA-LEEDS-9", "requested_on": "2009-08-03",
              "bodies": [POLICE]}))  # fmt: skip
    asked = wait_for(
        lambda: (c := case()) and any(d["due"] == "2009-09-01" for d in c["deadlines"]) and c,
        what="the new request's deadline",
    )
    assert asked["next_due"] == "2009-09-01"  # 20 working days, over the August bank holiday


def _quarters(area: str, reported: tuple[str, str]) -> list[dict[str, Any]]:
    """NI 117 over its floor of 10 for two quarters: a red flag and a request to Ofsted."""
    return [
        _event("indicator.reported", area, f"{reported[0]}T09:00:00+01:00",
               {"indicator": "NI 117", "period": "2009-Q1", "value": 11.2}),
        _event("indicator.reported", area, f"{reported[1]}T09:00:00+01:00",
               {"indicator": "NI 117", "period": "2009-Q2", "value": 12.5}),
    ]  # fmt: skip


def test_risk_triggered_requests_are_triaged_by_their_inspectorate_across_processes(
    cluster: dict[str, Service], tokens: dict[str, str]
) -> None:
    ofsted, gatekeeper = tokens["inspectorate:ofsted"], tokens["gatekeeper"]
    # Sandwell's request arrived on 20 July: due on 3 August, today, so the gatekeeper's sweep
    # confirms it. Walsall's and Dudley's arrived on 27 July: Ofsted decides them.
    _post(cluster, tokens["integrator"],
          *_quarters(SANDWELL, ("2009-04-20", "2009-07-20")),
          *_quarters(WALSALL, ("2009-04-27", "2009-07-27")),
          *_quarters(DUDLEY, ("2009-04-27", "2009-07-27")))  # fmt: skip

    def listed(state: str) -> list[dict[str, Any]]:
        return _gk(cluster, f"/v1/inspectorates/ofsted/triage?state={state}", ofsted)

    waiting = wait_for(lambda: len(listed("in_triage")) == 2 and listed("in_triage"),
                       what="Walsall's and Dudley's requests in triage")  # fmt: skip
    auto = wait_for(lambda: listed("auto_confirmed"), what="Sandwell's automatic confirmation")
    assert [r["body"] for r in auto] == [SANDWELL] and auto[0]["on"] == "2009-08-03"
    assert _decision(cluster, gatekeeper, auto[0]["request_id"])["decided_on"] == "2009-08-03"

    status, _ = call("GET", cluster["gatekeeper"].url + "/v1/inspectorates/ofsted/triage",
                     token=tokens["inspectorate:cqc"])  # fmt: skip
    assert status == 403
    by_body = {r["body"]: r for r in waiting}
    walsall, dudley = by_body[WALSALL]["request_id"], by_body[DUDLEY]["request_id"]
    status, _ = call("POST", cluster["gatekeeper"].url + f"/v1/triage/{walsall}/confirm",
                     {}, tokens["inspectorate:cqc"])  # fmt: skip
    assert status == 403

    assert _gk(cluster, f"/v1/triage/{walsall}/confirm", ofsted, {})["state"] == "confirmed"
    declined = _gk(cluster, f"/v1/triage/{dudley}/decline", ofsted,
                   {"reason": "Dudley's annual performance assessment covers it"})  # fmt: skip
    assert declined["state"] == "declined"
    assert _decision(cluster, gatekeeper, walsall)["decided_on"] == "2009-08-03"
    status, again = call("POST", cluster["gatekeeper"].url + f"/v1/triage/{dudley}/confirm",
                         {}, ofsted)  # fmt: skip
    assert status == 409 and again["errors"]["state"] == ["is declined, not in_triage"]

    # The decline is recorded with Dudley's judgement (a draft until 9 December 2009, so read
    # as the gatekeeper, who sees drafts).
    status, assessment = call(
        "GET", cluster["risk"].url + f"/v1/areas/{DUDLEY}/assessment?year=2009", token=gatekeeper
    )
    assert status == 200
    [record] = assessment["themes"][CYP]["triage"]
    assert record["decline_reason"] == "Dudley's annual performance assessment covers it"
    assert not any(d["request_id"] == dudley for d in _gk(cluster, "/v1/decisions", gatekeeper))
