"""Audit scores and rules that combine evidence: a use-of-resources score of 1 flags red
and asks the Audit Commission; combining rules see what other rules found for the
area and theme, and stand or fall with them."""

from __future__ import annotations

import uuid
from typing import Any

from riskgate.adapters.durable_engine import engine_for
from riskgate.bootstrap import System
from riskgate.domain.observations import combined_observation
from riskgate.domain.rules import rule_fires
from riskgate.service_layer.rules_source import load_ruleset
from tests.conftest import ROOT

WIGAN, CYP = "E08000028", "children_and_young_people"


def _send(system: System, type_: str, body: str, day: str, payload: dict[str, Any]) -> str:
    event = {
        "event_id": str(uuid.uuid4()), "type": type_, "occurred_at": f"2009-{day}T10:00:00+00:00",
        "source": "test", "body": body, "payload": payload,
    }  # fmt: skip
    assert not system.ingest.submit([event]).errors
    system.pump()
    return str(event["event_id"])


def test_a_use_of_resources_score_of_1_flags_red_and_asks_the_audit_commission(
    system: System,
) -> None:
    event_id = _send(
        system, "use_of_resources.scored", "E06000051", "11-20",
        {"year": 2009, "score": 1, "managing_performance": 3},
    )  # fmt: skip
    themes = system.risk.assessment("E06000051", 2009)
    assert themes["use_of_resources"]["flag"] == "red"
    assert themes["use_of_resources"]["rule_ids"] == ["AUD-UOR-POOR"]
    assert themes["use_of_resources"]["evidence"][0]["event_id"] == event_id
    assert "managing_performance" not in themes  # a 3 is neither red nor green
    [request] = system.gatekeeper.requests()
    assert (request["inspectorate"], request["theme"]) == ("audit_commission", "use_of_resources")
    assert request["evidence"] == [event_id] and request["rule_ids"] == ["AUD-UOR-POOR"]


def test_a_rescored_council_loses_its_red_flag(system: System) -> None:
    _send(system, "use_of_resources.scored", "E06000051", "11-20", {"year": 2009, "score": 1})
    _send(system, "use_of_resources.scored", "E06000051", "12-01", {"year": 2009, "score": 2})
    assert system.risk.assessment("E06000051", 2009)["use_of_resources"]["flag"] is None


def _neet(system: System, period: str, value: float) -> None:
    _send(system, "indicator.reported", WIGAN, "10-30",
          {"indicator": "NI 117", "period": period, "value": value})  # fmt: skip


def test_a_floor_breach_with_an_inadequate_finding_is_corroborated_and_urgent(
    system: System,
) -> None:
    _neet(system, "2009-Q1", 11.2)
    _neet(system, "2009-Q2", 11.6)
    assert system.risk.assessment(WIGAN, 2009)[CYP]["rule_ids"] == ["IND-FLOOR-2Q"]
    _send(system, "inspection.finding", WIGAN, "09-15",
          {"inspection_id": "I1", "inspectorate": "ofsted", "theme": CYP, "finding": 1,
           "summary": "Inadequate"})  # fmt: skip
    judgement = system.risk.assessment(WIGAN, 2009)[CYP]
    assert judgement["rule_ids"] == ["CMB-CORROBORATED", "FND-INADEQUATE", "IND-FLOOR-2Q"]
    urgent = [r for r in system.gatekeeper.requests() if r["rule_ids"] == ["CMB-CORROBORATED"]]
    assert len(urgent) == 1 and urgent[0]["urgency"] == "urgent"
    # The combined finding's evidence is the union of what it combines.
    assert len(urgent[0]["evidence"]) == 3  # two quarters and the finding


def test_a_combined_finding_falls_when_one_of_its_parts_does(system: System) -> None:
    _neet(system, "2009-Q1", 11.2)
    _neet(system, "2009-Q2", 11.6)
    _send(system, "inspection.finding", WIGAN, "09-15",
          {"inspection_id": "I1", "inspectorate": "ofsted", "theme": CYP, "finding": 1,
           "summary": "Inadequate"})  # fmt: skip
    _neet(system, "2009-Q2", 9.0)  # corrected: back under the floor
    assert system.risk.assessment(WIGAN, 2009)[CYP]["rule_ids"] == ["FND-INADEQUATE"]


def test_durable_rules_and_the_reference_semantics_agree_on_contains() -> None:
    ruleset = load_ruleset(ROOT / "rules")
    engine = engine_for(ruleset)
    base = {"rule_id": "", "title": "", "criterion": "", "flag": "red", "subject": "s",
            "concern": "s", "evidence": [], "values": {}}  # fmt: skip
    cases = [
        ["IND-FLOOR-2Q"],
        ["IND-FLOOR-2Q", "FND-INADEQUATE"],
        ["IND-TREND-3Q", "CMP-OMBUDSMAN"],
        ["CMP-UPHELD-RATE", "FND-INADEQUATE"],
    ]
    for fired in cases:
        observation = combined_observation(
            area=WIGAN, theme=CYP, year=2009,
            contributions=[{**base, "rule_id": r, "body": WIGAN, "subject": r} for r in fired],
        )  # fmt: skip
        reference = [r.id for r in ruleset.rules if rule_fires(r, observation)]
        assert engine.fired(observation) == reference
        assert ("CMB-CORROBORATED" in reference) == (
            any(r.startswith("IND-") for r in fired) and len(fired) > 1
        )
