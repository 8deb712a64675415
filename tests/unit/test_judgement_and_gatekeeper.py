"""Judgements from rule contributions, and the gatekeeper's decisions under the shipped policies."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from riskgate.adapters.policy_file import load_policies
from riskgate.domain.gatekeeper import KINDS, BodyContext, PolicySet, decide
from riskgate.domain.judgement import combine
from riskgate.domain.rules import RuleError

RULES = Path(__file__).resolve().parents[2] / "rules"
CYP = "children_and_young_people"
VERSION = "sha256:0123456789abcdef"


# --- combining contributions into a flag ------------------------------------------------------


def _floor_contribution() -> dict[str, Any]:
    return {
        "rule_id": "IND-FLOOR-2Q",
        "title": "Worse than the floor for two consecutive quarters",
        "flag": "red",
        "body": "E08000028",
        "subject": "NI 117",
        "evidence": [
            {"event_id": "ev-q1", "period": "2009-Q1", "value": 11.5},
            {"event_id": "ev-q2", "period": "2009-Q2", "value": 12.25},
        ],
        "values": {"quarters_worse_than_floor": 2, "floor": 10.0, "year": 2009},
    }


def _green_contribution() -> dict[str, Any]:
    return {
        "rule_id": "IND-EXCEPTIONAL",
        "title": "Far better than the floor",
        "flag": "green",
        "body": "E08000028",
        "subject": "NI 73",
        "evidence": [{"event_id": "ev-ks2", "period": "2009-Q3", "value": 91.0}],
        "values": {"latest_value": 91.0},
    }


def _combine(contributions: list[dict[str, Any]]) -> dict[str, Any]:
    return combine(
        area="E08000028", theme=CYP, year=2009, contributions=contributions, ruleset_version=VERSION
    )


def test_a_red_contribution_outweighs_a_green_one() -> None:
    judgement = _combine([_green_contribution(), _floor_contribution()])

    assert judgement["flag"] == "red"
    assert judgement["rule_ids"] == ["IND-FLOOR-2Q"]
    assert {e["event_id"] for e in judgement["evidence"]} == {"ev-q1", "ev-q2"}
    assert all(
        e["rule_id"] == "IND-FLOOR-2Q" and e["subject"] == "NI 117" for e in judgement["evidence"]
    )
    assert judgement["ruleset_version"] == VERSION
    assert (judgement["area"], judgement["theme"], judgement["year"]) == ("E08000028", CYP, 2009)


def test_green_contributions_alone_give_a_green_flag() -> None:
    judgement = _combine([_green_contribution()])

    assert judgement["flag"] == "green"
    assert judgement["rule_ids"] == ["IND-EXCEPTIONAL"]
    assert [e["event_id"] for e in judgement["evidence"]] == ["ev-ks2"]


def test_the_narrative_quotes_the_figures_behind_the_flag() -> None:
    narrative = _combine([_floor_contribution()])["narrative"]

    assert narrative.startswith("Children and young people: red flag.")
    assert "IND-FLOOR-2Q" in narrative
    assert "NI 117" in narrative and "E08000028" in narrative
    assert "2 quarters worse than the floor of 10.0" in narrative
    assert "2009-Q1 11.5" in narrative and "2009-Q2 12.25" in narrative


def test_the_narrative_of_a_complaints_flag_quotes_counts_rate_and_window() -> None:
    contribution = {
        "rule_id": "CMP-UPHELD-RATE",
        "title": "Upheld complaints above 2 per 10,000",
        "flag": "red",
        "body": "E08000028",
        "subject": "complaints:E08000028",
        "evidence": [
            {"event_id": f"c{n}", "occurred_at": "2009-05-01T10:00:00+01:00"} for n in range(6)
        ],
        "values": {
            "upheld_12m": 6,
            "upheld_per_10k_12m": 2.4,
            "window_start": "2008-06-01",
            "window_end": "2009-06-01",
        },
    }

    narrative = _combine([contribution])["narrative"]

    assert "6 upheld complaints, 2.4 per 10,000 residents, 2008-06-01 to 2009-06-01" in narrative


def test_no_contributions_give_no_flag_and_no_evidence() -> None:
    judgement = _combine([])

    assert judgement["flag"] is None
    assert judgement["rule_ids"] == []
    assert judgement["evidence"] == []
    assert "no significant concern" in judgement["narrative"]


def test_the_judgement_does_not_depend_on_the_order_of_contributions() -> None:
    a, b = (
        _floor_contribution(),
        {**_floor_contribution(), "subject": "NI 73", "rule_id": "IND-OTHER"},
    )

    assert _combine([a, b, _green_contribution()]) == _combine([_green_contribution(), b, a])


# --- the gatekeeper ---------------------------------------------------------------------
# The policies one by one are in test_gatekeeper_policies.py; these are the basics.

DECIDED_ON = dt.date(2009, 10, 1)


@pytest.fixture(scope="module")
def policies() -> PolicySet:
    return load_policies(RULES)


def _context(register: Sequence[dict[str, Any]] = ()) -> BodyContext:
    return BodyContext(
        register=list(register), org_score=None, decided_on=DECIDED_ON, body="E08000028"
    )


def _request(
    request_id: str = "req-1",
    *,
    theme: str = CYP,
    start: str = "2009-11-01",
    end: str = "2010-03-01",
    evidence: tuple[str, ...] = ("ev-q1", "ev-q2"),
) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "body": "E08000028",
        "area": "E08000028",
        "theme": theme,
        "inspectorate": "ofsted",
        "origin": "risk_rule",
        "reason": "floor",
        "window_start": start,
        "window_end": end,
        "on_site_days": 5,
        "evidence": list(evidence),
    }


def test_the_shipped_policies_load_in_the_fixed_order_with_a_version(
    policies: PolicySet,
) -> None:
    assert [p.id for p in policies.policies] == [
        "GK-SCOPE",
        "GK-PROGRAMME",
        "GK-AUTONOMY",
        "GK-PEER-REVIEW",
        "GK-MERGE-OPEN",
        "GK-JOINT",
        "GK-NOTICE",
        "GK-BLACKOUT",
        "GK-CAP",
        "GK-REST",
        "GK-URGENT",
        "GK-APPROVE",
    ]
    assert tuple(p.kind for p in policies.policies) == KINDS
    assert all(p.rationale and "  " not in p.rationale for p in policies.policies)
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", policies.version)


def test_a_request_against_an_empty_register_is_approved_as_a_new_inspection(
    policies: PolicySet,
) -> None:
    decision = decide(_request(), _context(), policies)

    assert decision["outcome"] == "approved"
    assert decision["policy_ids"] == ["GK-APPROVE"]
    assert decision["policy_version"] == policies.version
    assert decision["decided_on"] == "2009-10-01"
    assert decision["bypassed"] == []
    inspection = decision["inspection"]
    assert inspection["inspection_id"] == decision["inspection_id"]
    assert inspection["decision_id"] == decision["decision_id"]
    assert inspection["lead_inspectorate"] == "ofsted"
    assert inspection["participants"] == ["ofsted"]
    assert inspection["themes"] == [CYP]
    assert inspection["request_ids"] == ["req-1"]
    assert inspection["evidence"] == ["ev-q1", "ev-q2"]
    assert inspection["status"] == "assigned"
    assert (inspection["window_start"], inspection["window_end"]) == ("2009-11-01", "2010-03-01")
    # 1 November 2009 is a Sunday: on site the first working day, for five working days
    assert (inspection["on_site_start"], inspection["on_site_end"]) == ("2009-11-02", "2009-11-06")
    assert (inspection["urgent"], inspection["bypassed"]) == (False, [])
    assert decision["ledger"]["open_inspections"] == 0
    assert decision["ledger"]["on_site_days_used_12m"] == 0
    assert decision["ledger"]["on_site_days_12m_with_request"] == 5


def test_decision_and_inspection_ids_are_derived_from_the_request(policies: PolicySet) -> None:
    first = decide(_request("req-1"), _context(), policies)
    again = decide(_request("req-1"), _context(), policies)
    other = decide(_request("req-2"), _context(), policies)

    assert again == first
    assert other["inspection_id"] != first["inspection_id"]
    assert other["decision_id"] != first["decision_id"]
    uuid.UUID(first["inspection_id"])
    uuid.UUID(first["decision_id"])


def test_an_overlapping_request_on_the_same_theme_is_merged_into_the_open_inspection(
    policies: PolicySet,
) -> None:
    existing = decide(_request("req-1"), _context(), policies)["inspection"]
    second = _request("req-2", start="2010-01-15", end="2010-05-15", evidence=("ev-q2", "ev-cmp"))

    decision = decide(second, _context([existing]), policies)

    assert decision["outcome"] == "merged"
    assert decision["policy_ids"] == ["GK-MERGE-OPEN"]
    assert decision["inspection_id"] == existing["inspection_id"]
    merged = decision["inspection"]
    assert merged["evidence"] == ["ev-cmp", "ev-q1", "ev-q2"]
    assert merged["request_ids"] == ["req-1", "req-2"]
    assert (merged["window_start"], merged["window_end"]) == ("2009-11-01", "2010-03-01")
    assert (merged["on_site_start"], merged["on_site_end"]) == ("2009-11-02", "2009-11-06")
    assert existing["inspection_id"] in decision["reasons"][0]
    assert decision["ledger"]["open_inspections"] == 1
    assert decision["ledger"]["on_site_days_planned"] == 5
    assert decision["ledger"]["last_visit_end"] == "2009-11-06"


def test_windows_that_share_a_single_day_overlap(policies: PolicySet) -> None:
    existing = decide(_request("req-1"), _context(), policies)["inspection"]

    decision = decide(
        _request("req-2", start="2010-03-01", end="2010-06-01"), _context([existing]), policies
    )

    assert decision["outcome"] == "merged"


@pytest.mark.parametrize(
    ("second", "outcome", "policy_ids", "on_site_start"),
    [
        # starts the day after it ends: far enough from the visit of 2-6 November
        (
            _request("req-2", start="2010-03-02", end="2010-06-01"),
            "approved",
            ["GK-APPROVE"],
            "2010-03-02",
        ),
        # ends the day before it starts: no start in the window is 30 days from that visit
        (
            _request("req-2", start="2009-06-01", end="2009-10-31"),
            "deferred",
            ["GK-REST"],
            "2009-12-07",
        ),
        # same window, another theme: a separate inspection, 30 days after the first visit
        (
            _request("req-2", theme="safer_and_stronger_communities"),
            "approved",
            ["GK-REST", "GK-APPROVE"],
            "2009-12-07",
        ),
    ],
    ids=["later-window", "earlier-window", "other-theme"],
)
def test_a_request_that_does_not_overlap_on_the_same_theme_is_placed_separately(
    policies: PolicySet,
    second: dict[str, Any],
    outcome: str,
    policy_ids: list[str],
    on_site_start: str,
) -> None:
    existing = decide(_request("req-1"), _context(), policies)["inspection"]

    decision = decide(second, _context([existing]), policies)

    assert decision["outcome"] == outcome
    assert decision["policy_ids"] == policy_ids
    assert decision["inspection_id"] != existing["inspection_id"]
    assert decision["inspection"]["request_ids"] == ["req-2"]
    assert decision["inspection"]["on_site_start"] == on_site_start


@pytest.mark.parametrize(
    ("status", "policy_ids", "on_site_start"),
    [
        # a visit that happened still counts for the rest period
        ("completed", ["GK-REST", "GK-APPROVE"], "2009-12-07"),
        ("published", ["GK-REST", "GK-APPROVE"], "2009-12-07"),
        # one that never happened counts for nothing
        ("declined", ["GK-APPROVE"], "2009-11-02"),
        ("cancelled", ["GK-APPROVE"], "2009-11-02"),
    ],
)
def test_a_closed_inspection_does_not_absorb_a_new_request(
    policies: PolicySet, status: str, policy_ids: list[str], on_site_start: str
) -> None:
    closed = {**decide(_request("req-1"), _context(), policies)["inspection"], "status": status}

    decision = decide(_request("req-2"), _context([closed]), policies)

    assert decision["outcome"] == "approved"
    assert decision["policy_ids"] == policy_ids
    assert decision["inspection_id"] != closed["inspection_id"]
    assert decision["inspection"]["on_site_start"] == on_site_start
    assert decision["ledger"]["open_inspections"] == 0


def test_an_unknown_policy_kind_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "policies.yaml").write_text(
        "policies:\n"
        "  - id: GK-LOTTERY\n"
        "    kind: lottery\n"
        "    rationale: pick at random\n"
        "  - id: GK-APPROVE\n"
        "    kind: approve\n"
        "    rationale: approve the rest\n"
    )

    with pytest.raises(RuleError, match=r"^policies\.yaml:2: unknown policy kind 'lottery'"):
        load_policies(tmp_path)


def test_a_policy_file_that_does_not_end_in_approve_is_refused(tmp_path: Path) -> None:
    (tmp_path / "policies.yaml").write_text(
        "policies:\n"
        "  - id: GK-APPROVE\n"
        "    kind: approve\n"
        "    rationale: approve\n"
        "  - id: GK-MERGE-OPEN\n"
        "    kind: merge\n"
        "    rationale: merge overlapping\n"
    )

    with pytest.raises(
        RuleError, match=r"^policies\.yaml:5: the last policy must be of kind `approve`"
    ):
        load_policies(tmp_path)


def test_an_empty_policy_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "policies.yaml").write_text("policies: []\n")

    with pytest.raises(RuleError, match="the last policy must be of kind `approve`"):
        load_policies(tmp_path)
