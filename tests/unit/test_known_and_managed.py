"""A concern the area reported in its self-assessment, with an action plan on track,
gets no automatic red flag and no triggered inspection; the judgement says why."""

from __future__ import annotations

import uuid
from typing import Any

from riskgate.bootstrap import System

SANDWELL, NEET, THEME = "E08000028", "NI 117", "children_and_young_people"


def _event(type_: str, occurred_at: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "type": type_, "occurred_at": occurred_at,
            "source": "test", "body": SANDWELL, "payload": payload}  # fmt: skip


def _quarters() -> list[dict[str, Any]]:
    return [
        _event("indicator.reported", "2009-07-30T09:00:00+00:00",
               {"indicator": NEET, "period": "2009-Q2", "value": 11.5}),
        _event("indicator.reported", "2009-10-30T09:00:00+00:00",
               {"indicator": NEET, "period": "2009-Q3", "value": 11.9}),
    ]  # fmt: skip


def _self_assessment(status: str) -> dict[str, Any]:
    concern = {"subject": NEET, "action_plan": "NEET re-engagement programme", "status": status}
    # Reported after both quarters: no quarter reported later contradicts the plan.
    return _event("self_assessment.submitted", "2009-11-15T09:00:00+00:00",
                  {"year": 2009, "theme": THEME, "concerns": [concern]})  # fmt: skip


def _submit(system: System, events: list[dict[str, Any]]) -> None:
    result = system.ingest.submit(events)
    assert not result.errors, result.errors
    system.pump()


def test_a_self_assessed_concern_on_track_is_considered_not_flagged_and_not_inspected(
    system: System,
) -> None:
    sa = _self_assessment("on_track")
    _submit(system, [sa, *_quarters()])
    judgement = system.risk.assessment(SANDWELL, 2009)[THEME]
    assert judgement["flag"] is None
    [considered] = judgement["considered"]
    assert considered["rule_id"] == "IND-FLOOR-2Q" and considered["subject"] == NEET
    assert considered["self_assessment"] == sa["event_id"]
    assert "action plan on track" in judgement["narrative"]
    assert system.gatekeeper.requests() == []


def test_an_action_plan_off_track_does_not_suppress_the_red_flag(system: System) -> None:
    _submit(system, [_self_assessment("off_track"), *_quarters()])
    judgement = system.risk.assessment(SANDWELL, 2009)[THEME]
    assert judgement["flag"] == "red" and judgement["considered"] == []
    assert len(system.gatekeeper.requests()) == 1


def test_a_self_assessment_arriving_after_the_flag_lifts_it_and_the_judgement_says_why(
    system: System,
) -> None:
    _submit(system, _quarters())
    assert system.risk.assessment(SANDWELL, 2009)[THEME]["flag"] == "red"
    _submit(system, [_self_assessment("on_track")])
    judgement = system.risk.assessment(SANDWELL, 2009)[THEME]
    assert judgement["flag"] is None and len(judgement["considered"]) == 1
