"""Inspection findings: a finding of 1 raises a red flag and an urgent-ish request to
the inspectorate owning the theme; an outstanding finding gives a green flag; the
latest finding is what counts."""

from __future__ import annotations

import uuid
from typing import Any

from riskgate.bootstrap import System

DARLINGTON, THEME = "E06000005", "children_and_young_people"


def _finding(system: System, finding: int, day: str) -> dict[str, Any]:
    event = {
        "event_id": str(uuid.uuid4()), "type": "inspection.finding",
        "occurred_at": f"2009-{day}T10:00:00+00:00", "source": "ofsted", "body": DARLINGTON,
        "payload": {"inspection_id": f"INS-{day}", "inspectorate": "ofsted", "theme": THEME,
                    "finding": finding, "summary": "Children's services inspection"},
    }  # fmt: skip
    assert not system.ingest.submit([event]).errors
    system.pump()
    return event


def test_an_inadequate_finding_flags_red_and_asks_the_owning_inspectorate_to_inspect(
    system: System,
) -> None:
    event = _finding(system, 1, "03-02")
    judgement = system.risk.assessment(DARLINGTON, 2009)[THEME]
    assert judgement["flag"] == "red" and judgement["rule_ids"] == ["FND-INADEQUATE"]
    assert [e["event_id"] for e in judgement["evidence"]] == [event["event_id"]]
    [request] = system.gatekeeper.requests()
    assert request["inspectorate"] == "ofsted" and request["urgency"] == "high"
    assert request["evidence"] == [event["event_id"]]


def test_an_outstanding_finding_gives_a_green_flag_and_no_request(system: System) -> None:
    _finding(system, 4, "05-11")
    judgement = system.risk.assessment(DARLINGTON, 2009)[THEME]
    assert judgement["flag"] == "green" and judgement["rule_ids"] == ["FND-OUTSTANDING"]
    assert "green flag" in judgement["narrative"]
    assert system.gatekeeper.requests() == []


def test_the_latest_finding_replaces_an_earlier_one_whatever_order_they_arrive_in(
    system: System,
) -> None:
    _finding(system, 3, "09-20")  # the later re-inspection: good
    _finding(system, 1, "03-02")  # the earlier one arrives late
    judgement = system.risk.assessment(DARLINGTON, 2009).get(THEME)
    assert judgement is None or judgement["flag"] is None


def test_a_red_flag_outweighs_a_green_one_on_the_same_theme(system: System) -> None:
    _finding(system, 4, "05-11")
    complaints_free_red = {
        "event_id": str(uuid.uuid4()), "type": "indicator.reported",
        "occurred_at": "2009-10-30T09:00:00+00:00", "source": "data-hub", "body": DARLINGTON,
        "payload": {"indicator": "NI 117", "period": "2009-Q2", "value": 12.0},
    }  # fmt: skip
    second = {**complaints_free_red, "event_id": str(uuid.uuid4()),
              "payload": {"indicator": "NI 117", "period": "2009-Q3", "value": 12.5}}  # fmt: skip
    assert not system.ingest.submit([complaints_free_red, second]).errors
    system.pump()
    judgement = system.risk.assessment(DARLINGTON, 2009)[THEME]
    assert judgement["flag"] == "red" and judgement["rule_ids"] == ["IND-FLOOR-2Q"]
