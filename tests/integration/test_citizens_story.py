"""A citizens' story on a real Kafka-protocol broker and real Redis, each service its own
process: residents petition, the council's response fails them, their councillor raises a
Community Call for Action, the local stages fail, two partners complain formally, and the
call becomes an inspection request the gatekeeper decides on."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from riskgate.adapters.redis_store import RedisStore
from riskgate.service_layer.tokens import Tokens
from tests.integration.cluster import (
    Service,
    call,
    group_caught_up,
    read_topic,
    running,
    wait_for,
)

pytestmark = pytest.mark.integration
BURNLEY, LANCASHIRE = "E07000117", "E10000017"
THEME = "healthier_communities_and_older_people"
CASE, PETITION = "CCFA-BURNLEY-1", "PET-BURNLEY-1"


@pytest.fixture
def cluster(kafka: str, redis_url: str, tmp_path: Path) -> Iterator[dict[str, Service]]:
    with running(
        ("ingest", "citizens", "gatekeeper", "work"),
        kafka,
        redis_url,
        tmp_path,
        RISKGATE_TODAY="2009-08-10",
    ) as services:
        yield services


@pytest.fixture
def tokens(redis_url: str) -> dict[str, str]:
    registry = Tokens(RedisStore(redis_url))
    return {
        role: registry.create(role) for role in ("integrator", "gatekeeper", "inspectorate:cqc")
    }


def _event(type_: str, day: str, payload: dict[str, Any], body: str = BURNLEY) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "type": type_, "occurred_at": f"2009-{day}T10:00:00+01:00",
        "source": "burnley-borough-council", "body": body, "payload": payload,
    }  # fmt: skip


def _post(cluster: dict[str, Service], token: str, *events: dict[str, Any]) -> None:
    status, body = call("POST", cluster["ingest"].url + "/v1/events", list(events), token)
    assert status == 202, body


def _case(cluster: dict[str, Service]) -> dict[str, Any] | None:
    status, cases = call("GET", cluster["citizens"].url + f"/v1/calls-for-action?council={BURNLEY}")
    assert status == 200, cases
    return next((c for c in cases if c["case_ref"] == CASE), None)


def _partner_complaint(day: str, partner: str) -> dict[str, Any]:
    return _event("complaint.received", day, {
        "complaint_ref": f"FORMAL-{partner}", "channel": "partner", "partner": partner,
        "theme": THEME, "category": "hospital discharge", "formal": True, "upheld": None})  # fmt: skip


def test_a_petition_becomes_a_call_for_action_then_an_inspection_the_gatekeeper_decides(
    cluster: dict[str, Service], tokens: dict[str, str], kafka: str
) -> None:
    integrator = tokens["integrator"]
    _post(cluster, integrator,
          _event("petition.submitted", "02-10", {
              "petition_ref": PETITION, "topic": "Reverse the cut in home care hours",
              "theme": THEME, "signatures": 2400, "neighbourhood": "Town centre"}),
          _event("petition.responded", "03-20", {
              "petition_ref": PETITION, "responded_on": "2009-03-20",
              "outcome": "The cut stands.", "debate_on": "2009-03-18"}))  # fmt: skip
    status, petitions = wait_for(
        lambda: (r := call("GET", cluster["citizens"].url + "/v1/petitions"))[1] and r,
        what="the petition",
    )
    assert status == 200 and petitions[0]["debate_required"] is True

    _post(cluster, integrator,
          _event("ccfa.raised", "04-06", {
              "case_ref": CASE, "councillor_ref": "CLLR-0117-03", "ward": "Daneshouse",
              "issue": "Home care visits cut short", "theme": THEME,
              "bodies": [BURNLEY, LANCASHIRE], "petition_ref": PETITION,
              "informal_resolution_tried": True}),
          _event("ccfa.referred", "04-20", {
              "case_ref": CASE, "committee": "overview_and_scrutiny",
              "referred_on": "2009-04-20"}),
          _event("ccfa.recommended", "06-01", {
              "case_ref": CASE, "recommended_on": "2009-06-01",
              "recommendations": ["Restore 30-minute visits"]}),
          _event("ccfa.responded", "06-19", {
              "case_ref": CASE, "responding_body": BURNLEY, "responded_on": "2009-06-19",
              "resolved": False}),
          _event("ccfa.responded", "06-26", {
              "case_ref": CASE, "responding_body": LANCASHIRE, "responded_on": "2009-06-26",
              "resolved": False}),
          first := _partner_complaint("05-12", "E16000110"),
          _event("ccfa.published", "07-28", {
              "case_ref": CASE, "published_on": "2009-07-28", "resolved": False}))  # fmt: skip

    # Local stages done and unresolved, but only one partner has complained: not yet.
    case = wait_for(
        lambda: (c := _case(cluster)) and c["status"] == "closed_unresolved" and c,
        what="the case closed unresolved",
    )
    assert case["escalation"] is None
    assert [d["body"] for d in case["deadlines"] if d["kind"] == "information"] == [
        BURNLEY, LANCASHIRE,
    ]  # fmt: skip
    # Twenty English working days from the referral on 20 April 2009 (White Paper 3.35), over
    # the May Day bank holiday: 19 May. Both answered only after the recommendations: late.
    assert {d["due"] for d in case["deadlines"] if d["kind"] == "information"} == {"2009-05-19"}
    assert all(d["overdue"] for d in case["deadlines"] if d["kind"] == "information")

    second = _partner_complaint("08-03", "E23000017")
    _post(cluster, integrator, second)
    case = wait_for(
        lambda: (c := _case(cluster)) and c["status"] == "escalated" and c,
        what="the escalation",
    )
    request_id = case["escalation"]["request_id"]

    def decision() -> dict[str, Any] | None:
        status, decisions = call(
            "GET", cluster["gatekeeper"].url + "/v1/decisions", token=tokens["gatekeeper"]
        )
        assert status == 200, decisions
        return next((d for d in decisions if d["request_id"] == request_id), None)

    decided = wait_for(decision, what="the gatekeeper's decision")
    assert decided["outcome"] == "approved" and decided["inspectorate"] == "cqc"
    status, requests = call(
        "GET", cluster["gatekeeper"].url + "/v1/inspection-requests", token=tokens["gatekeeper"]
    )
    [request] = [r for r in requests if r["request_id"] == request_id]
    assert request["origin"] == "call_for_action" and request["body"] == BURNLEY
    assert request["rule_ids"] == ["CCFA-PARTNERS"]
    # The evidence: the case's six events and both partners' complaints.
    assert len(request["evidence"]) == 8
    assert {first["event_id"], second["event_id"]} <= set(request["evidence"])
    work = wait_for(
        lambda: call(
            "GET", cluster["work"].url + "/v1/inspectorates/cqc/work",
            token=tokens["inspectorate:cqc"],
        )[1],
        what="cqc's work item",
    )  # fmt: skip
    assert work[0]["inspection_id"] == decided["inspection_id"]

    # Every step is on Kafka, so the case's history can be replayed from the topic.
    steps = [json.loads(v) for v in read_topic(kafka, "citizens.cases.v1")]
    kinds = [s["payload"]["kind"] for s in steps if s["payload"].get("case_ref") == CASE]
    assert kinds[0] == "ccfa.stage_changed" and kinds[-1] == "ccfa.escalated"
    assert "petition.status_changed" in {s["payload"]["kind"] for s in steps}
    assert len({s["event_id"] for s in steps}) == len(steps)  # nothing published twice


def test_personal_data_is_refused_at_ingest_and_never_reaches_a_topic(
    cluster: dict[str, Service], tokens: dict[str, str], kafka: str
) -> None:
    complaint = _event("complaint.received", "05-01", {
        "complaint_ref": "C-1", "channel": "resident", "theme": THEME,
        "category": "call me on 07700 900123", "upheld": True})  # fmt: skip
    status, body = call(
        "POST", cluster["ingest"].url + "/v1/events", complaint, tokens["integrator"]
    )
    assert status == 400
    assert "personal data (a phone number)" in json.dumps(body["errors"])
    assert "category" in json.dumps(body["errors"])
    assert not any(b"07700" in v for v in read_topic(kafka, "events.v1"))

    # Sent straight to Kafka, past ingest: dead-lettered with the field named, the value
    # withheld, and the consumer carries on with the next message.
    producer = KafkaProducer(bootstrap_servers=kafka)
    producer.send("events.v1", key=BURNLEY.encode(), value=json.dumps(complaint).encode())
    producer.flush()
    producer.close()
    _post(cluster, tokens["integrator"], _partner_complaint("05-02", "E16000110"))
    letters = wait_for(
        lambda: [json.loads(v) for v in read_topic(kafka, "deadletter.v1")],
        what="the dead letter",
    )
    [letter] = letters
    assert letter["consumer"] == "citizens"
    assert "category" in letter["reason"] and "personal data (a phone number)" in letter["reason"]
    assert "07700" not in json.dumps(letter)
    wait_for(
        lambda: group_caught_up(kafka, "riskgate-citizens", "events.v1"),
        what="the citizens consumer to get past it",
    )
