"""The gatekeeper's policies, one by one: what each decides, with which reasons and figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from riskgate.adapters.policy_file import load_policies
from riskgate.domain.calendar import add_working_days, is_working_day
from riskgate.domain.gatekeeper import (
    BodyContext,
    NoFitError,
    PolicySet,
    burden,
    check_schedule,
    decide,
    earliest_fit,
    on_site_period,
)
from riskgate.domain.rules import RuleError

RULES = Path(__file__).resolve().parents[2] / "rules"
BODY = "E08000028"
OTHER_BODY = "E08000029"
SAFER = "safer_and_stronger_communities"  # announced: needs notice
CYP = "children_and_young_people"  # may be unannounced
DECIDED_ON = dt.date(2009, 10, 1)  # a Thursday


@pytest.fixture(scope="module")
def policies() -> PolicySet:
    return load_policies(RULES)


def _policies(
    tmp_path: Path,
    *,
    drop: Sequence[str] = (),
    parameters: Mapping[str, Mapping[str, Any]] | None = None,
) -> PolicySet:
    """The shipped policies with some kinds dropped or parameters changed."""
    doc = yaml.safe_load((RULES / "policies.yaml").read_text())
    kept = []
    for policy in doc["policies"]:
        if policy["kind"] in drop:
            continue
        policy["parameters"] = {
            **(policy.get("parameters") or {}),
            **(parameters or {}).get(policy["kind"], {}),
        }
        kept.append(policy)
    (tmp_path / "policies.yaml").write_text(yaml.safe_dump({"policies": kept}, sort_keys=False))
    return load_policies(tmp_path)


def _context(
    register: Sequence[Mapping[str, Any]] = (),
    *,
    org_score: int | None = None,
    decided_on: dt.date = DECIDED_ON,
) -> BodyContext:
    return BodyContext(
        register=list(register), org_score=org_score, decided_on=decided_on, body=BODY
    )


def _request(request_id: str = "req-1", **changes: Any) -> dict[str, Any]:
    request = {
        "request_id": request_id,
        "body": BODY,
        "area": BODY,
        "theme": SAFER,
        "inspectorate": "audit_commission",
        "origin": "risk_rule",
        "reason": "upheld complaints above the rate",
        "evidence": ["ev-1"],
        "rule_ids": ["CMP-UPHELD-RATE"],
        "urgency": "normal",
        "concern": None,
        "window_start": "2009-11-02",
        "window_end": "2010-02-26",
        "on_site_days": 5,
    }
    request.update(changes)
    return request


def _inspection(
    inspection_id: str,
    *,
    start: str,
    days: int = 5,
    status: str = "assigned",
    lead: str = "audit_commission",
    theme: str = SAFER,
    window: tuple[str, str] | None = None,
    urgent: bool = False,
) -> dict[str, Any]:
    period = on_site_period(dt.date.fromisoformat(start), days)
    window_start, window_end = window or (start, (period[-1] + dt.timedelta(days=60)).isoformat())
    return {
        "inspection_id": inspection_id,
        "decision_id": f"dec-{inspection_id}",
        "body": BODY,
        "area": BODY,
        "theme": theme,
        "themes": [theme],
        "lead_inspectorate": lead,
        "participants": [lead],
        "window_start": window_start,
        "window_end": window_end,
        "on_site_days": days,
        "on_site_start": period[0].isoformat(),
        "on_site_end": period[-1].isoformat(),
        "request_ids": [f"req-{inspection_id}"],
        "evidence": [f"ev-{inspection_id}"],
        "status": status,
        "urgent": urgent,
        "bypassed": [],
    }


def _reason(decision: Mapping[str, Any], policy_id: str) -> str:
    found = [r for r in decision["reasons"] if r.startswith(f"{policy_id}: ")]
    assert found, f"no {policy_id} reason in {decision['reasons']}"
    return found[0]


# --- loading -----------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "policies.yaml").write_text(text)
    return tmp_path


APPROVE = "  - id: GK-APPROVE\n    kind: approve\n    rationale: approve the rest\n"


def test_kinds_listed_out_of_the_fixed_order_are_refused_with_file_and_line(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        "policies:\n"
        "  - id: GK-REST\n"
        "    kind: rest\n"
        "    rationale: a gap between visits\n"
        "    parameters: {min_gap_days: 30}\n"
        "  - id: GK-NOTICE\n"
        "    kind: notice\n"
        "    rationale: notice\n"
        "    parameters: {working_days: 10, unannounced_themes: []}\n" + APPROVE,
    )

    with pytest.raises(
        RuleError,
        match=r"^policies\.yaml:6: policy GK-NOTICE \(kind notice\) is out of order: "
        r"`notice` must come before `rest` \(GK-REST\)",
    ):
        load_policies(tmp_path)


def test_a_kind_listed_twice_is_refused(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "policies:\n"
        "  - id: GK-REST\n    kind: rest\n    rationale: r\n    parameters: {min_gap_days: 30}\n"
        "  - id: GK-REST-2\n    kind: rest\n    rationale: r\n    parameters: {min_gap_days: 9}\n"
        + APPROVE,
    )

    with pytest.raises(RuleError, match=r"^policies\.yaml:6: kind `rest` is listed twice"):
        load_policies(tmp_path)


def test_an_unknown_kind_is_refused_with_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, "policies:\n" + APPROVE + "  - id: GK-X\n    kind: quota\n    rationale: q\n")

    with pytest.raises(RuleError, match=r"^policies\.yaml:5: unknown policy kind 'quota'"):
        load_policies(tmp_path)


def test_a_missing_parameter_is_refused_with_file_and_line(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "policies:\n"
        "  - id: GK-CAP\n"
        "    kind: cap\n"
        "    rationale: a cap\n"
        "    parameters:\n"
        "      max_on_site_days_12m: 20\n"
        "      typical_on_site_days: 5\n" + APPROVE,
    )

    with pytest.raises(
        RuleError,
        match=r"^policies\.yaml:6: policy GK-CAP \(kind cap\) needs parameter `max_open_at_once`",
    ):
        load_policies(tmp_path)


def test_a_policy_with_no_parameters_at_all_is_refused_when_its_kind_needs_some(
    tmp_path: Path,
) -> None:
    _write(tmp_path, "policies:\n  - id: GK-REST\n    kind: rest\n    rationale: r\n" + APPROVE)

    with pytest.raises(
        RuleError, match=r"^policies\.yaml:2: policy GK-REST \(kind rest\) needs parameter"
    ):
        load_policies(tmp_path)


def test_an_unknown_parameter_is_refused(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "policies:\n"
        "  - id: GK-REST\n    kind: rest\n    rationale: r\n"
        "    parameters: {min_gap_days: 30, min_gap_weeks: 4}\n" + APPROVE,
    )

    with pytest.raises(
        RuleError, match=r"^policies\.yaml:5: .*unknown parameter\(s\) min_gap_weeks"
    ):
        load_policies(tmp_path)


def test_a_blackout_period_that_ends_before_it_starts_is_refused_at_its_line(
    tmp_path: Path,
) -> None:
    _write(
        tmp_path,
        "policies:\n"
        "  - id: GK-BLACKOUT\n"
        "    kind: blackout\n"
        "    rationale: no work in these periods\n"
        "    parameters:\n"
        "      periods:\n"
        "        - {from: 2010-03-22, to: 2010-05-06, reason: election, bodies: all}\n"
        "        - {from: 2010-08-31, to: 2010-08-01, reason: summer, bodies: [E08000028]}\n"
        + APPROVE,
    )

    with pytest.raises(
        RuleError, match=r"^policies\.yaml:8: policy GK-BLACKOUT: `periods` .*must not end"
    ):
        load_policies(tmp_path)


def test_a_parameter_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "policies:\n"
        "  - id: GK-NOTICE\n    kind: notice\n    rationale: n\n"
        "    parameters: {working_days: ten, unannounced_themes: []}\n" + APPROVE,
    )

    with pytest.raises(
        RuleError, match=r"^policies\.yaml:5: policy GK-NOTICE: `working_days` must be a whole"
    ):
        load_policies(tmp_path)


# --- scope -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "belongs"),
    [
        ("care_home", "the Care Quality Commission's registration and inspection of regulated"),
        ("school", "Ofsted's inspection of schools under section 5 of the Education Act 2005"),
        ("prison", "HM Inspectorate of Prisons' inspection of prisons"),
    ],
)
def test_scope_rejects_inspection_of_services_and_institutions_naming_where_it_belongs(
    policies: PolicySet, subject: str, belongs: str
) -> None:
    decision = decide(_request(subject=subject), _context(), policies)

    assert decision["outcome"] == "rejected"
    assert decision["policy_ids"] == ["GK-SCOPE"]
    assert decision["inspection"] is None and decision["inspection_id"] is None
    assert decision["deferred_until"] is None
    assert belongs in _reason(decision, "GK-SCOPE")


def test_scope_lets_council_services_through(policies: PolicySet) -> None:
    decision = decide(_request(subject="council_services"), _context(), policies)

    assert decision["outcome"] == "approved"


# --- programme ---------------------------------------------------------------------------------


def test_an_inspectorate_programme_request_without_a_ground_is_rejected(
    policies: PolicySet,
) -> None:
    decision = decide(
        _request(origin="inspectorate_programme", justification="our annual cycle"),
        _context(),
        policies,
    )

    assert decision["outcome"] == "rejected"
    assert decision["policy_ids"] == ["GK-PROGRAMME"]
    reason = _reason(decision, "GK-PROGRAMME")
    assert "children in care" in reason and "driving system change" in reason
    assert "gives no ground" in reason


def test_an_inspectorate_programme_request_with_a_ground_but_no_justification_is_rejected(
    policies: PolicySet,
) -> None:
    decision = decide(
        _request(origin="inspectorate_programme", programme_ground="system_change"),
        _context(),
        policies,
    )

    assert decision["outcome"] == "rejected"
    assert "states no justification" in _reason(decision, "GK-PROGRAMME")


@pytest.mark.parametrize("ground", ["vulnerable_groups", "system_change"])
def test_an_inspectorate_programme_request_with_a_stated_justification_goes_ahead(
    policies: PolicySet, ground: str
) -> None:
    decision = decide(
        _request(
            origin="inspectorate_programme",
            programme_ground=ground,
            justification="children in care placed out of area",
        ),
        _context(),
        policies,
    )

    assert decision["outcome"] == "approved"
    assert decision["policy_ids"] == ["GK-APPROVE"]


# --- autonomy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", ["inspectorate_programme"])
def test_earned_autonomy_rejects_routine_requests_for_an_excellent_body(
    policies: PolicySet, origin: str
) -> None:
    request = _request(
        origin=origin, programme_ground="vulnerable_groups", justification="care leavers"
    )

    decision = decide(request, _context(org_score=4), policies)

    assert decision["outcome"] == "rejected"
    assert decision["policy_ids"] == ["GK-AUTONOMY"]
    assert "organisational assessment is 4 (performs excellently)" in decision["reasons"][0]
    assert decision["ledger"]["org_score"] == 4


@pytest.mark.parametrize("origin", ["risk_rule", "call_for_action"])
def test_earned_autonomy_lets_risk_triggered_requests_pass(
    policies: PolicySet, origin: str
) -> None:
    decision = decide(_request(origin=origin), _context(org_score=4), policies)

    assert decision["outcome"] == "approved"
    assert decision["policy_ids"] == ["GK-APPROVE"]
    assert decision["ledger"]["org_score"] == 4


@pytest.mark.parametrize("origin", ["government_office", "department"])
def test_earned_autonomy_does_not_refuse_government_office_or_department_requests(
    policies: PolicySet, origin: str
) -> None:
    # They sit on the underperformance ladder (White Paper 6.57-6.71), not routine inspection.
    decision = decide(_request(origin=origin), _context(org_score=4), policies)

    assert decision["outcome"] == "approved"
    assert "GK-AUTONOMY" not in decision["policy_ids"]


def test_earned_autonomy_lets_a_routine_request_with_a_safeguarding_concern_pass(
    policies: PolicySet,
) -> None:
    decision = decide(
        _request(
            origin="inspectorate_programme",
            concern="safeguarding",
            programme_ground="vulnerable_groups",
            justification="care leavers",
        ),
        _context(org_score=4),
        policies,
    )

    assert decision["outcome"] == "approved"
    assert "raises a safeguarding concern, so it goes ahead" in _reason(decision, "GK-AUTONOMY")


@pytest.mark.parametrize("score", [None, 1, 3])
def test_a_body_below_excellent_gets_routine_requests(
    policies: PolicySet, score: int | None
) -> None:
    decision = decide(_request(origin="department"), _context(org_score=score), policies)

    assert decision["outcome"] == "approved"


# --- merge -------------------------------------------------------------------------------------


def test_merge_adds_the_request_and_evidence_and_names_the_absorbing_inspection(
    policies: PolicySet,
) -> None:
    existing = _inspection("insp-a", start="2009-12-01", window=("2009-11-16", "2010-03-31"))

    decision = decide(_request(evidence=["ev-1", "ev-2"]), _context([existing]), policies)

    assert decision["outcome"] == "merged"
    assert decision["policy_ids"] == ["GK-MERGE-OPEN"]
    assert decision["inspection_id"] == "insp-a"
    merged = decision["inspection"]
    assert merged["request_ids"] == ["req-1", "req-insp-a"]
    assert merged["evidence"] == ["ev-1", "ev-2", "ev-insp-a"]
    assert (merged["on_site_start"], merged["on_site_days"]) == ("2009-12-01", 5)
    reason = _reason(decision, "GK-MERGE-OPEN")
    assert "merged into inspection insp-a, which absorbs it" in reason
    assert "2 evidence items" in reason
    assert decision["ledger"]["open_inspections"] == 1


def test_an_urgent_request_merged_makes_the_inspection_urgent(policies: PolicySet) -> None:
    existing = _inspection("insp-a", start="2009-12-01", window=("2009-11-16", "2010-03-31"))

    decision = decide(_request(concern="fraud"), _context([existing]), policies)

    assert decision["outcome"] == "merged"
    assert decision["inspection"]["urgent"] is True


def test_an_inspection_on_site_still_absorbs_a_request_but_a_completed_one_does_not(
    policies: PolicySet,
) -> None:
    on_site = _inspection("insp-a", start="2009-11-02", status="on_site")
    completed = {**on_site, "status": "completed"}

    assert decide(_request(), _context([on_site]), policies)["outcome"] == "merged"
    assert decide(_request(), _context([completed]), policies)["outcome"] != "merged"


# --- joint -------------------------------------------------------------------------------------


def test_joint_plans_on_site_days_once_and_the_larger_need_leads(policies: PolicySet) -> None:
    existing = _inspection("insp-a", start="2009-11-16", window=("2009-11-02", "2010-01-29"))
    request = _request(inspectorate="ofsted", theme=CYP, on_site_days=8, evidence=["ev-ofsted"])

    decision = decide(request, _context([existing]), policies)

    assert decision["outcome"] == "joint"
    assert decision["policy_ids"] == ["GK-JOINT"]
    joint = decision["inspection"]
    assert decision["inspection_id"] == "insp-a"
    assert joint["lead_inspectorate"] == "ofsted"
    assert joint["participants"] == ["audit_commission", "ofsted"]
    assert joint["themes"] == [CYP, SAFER]
    assert joint["theme"] == CYP  # the lead's theme
    assert joint["on_site_days"] == 8  # not 5 + 8
    # eight working days from Monday 16 November 2009
    assert (joint["on_site_start"], joint["on_site_end"]) == ("2009-11-16", "2009-11-25")
    assert joint["request_ids"] == ["req-1", "req-insp-a"]
    assert joint["evidence"] == ["ev-insp-a", "ev-ofsted"]
    reason = _reason(decision, "GK-JOINT")
    assert "Ofsted leads because it needs more on-site days (8 against 5)" in reason
    assert "with Audit Commission taking part" in reason
    assert "planned once: 8 (the larger of 5 and 8), not 13" in reason


def test_joint_keeps_the_lead_that_needs_more_days_and_the_days_do_not_grow(
    policies: PolicySet,
) -> None:
    existing = _inspection("insp-a", start="2009-11-16", window=("2009-11-02", "2010-01-29"))
    request = _request(inspectorate="cqc", theme="healthier_communities_and_older_people")

    joint = decide({**request, "on_site_days": 3}, _context([existing]), policies)["inspection"]

    assert joint["lead_inspectorate"] == "audit_commission"
    assert joint["participants"] == ["audit_commission", "cqc"]
    assert (joint["on_site_days"], joint["on_site_end"]) == (5, "2009-11-20")


def test_on_equal_need_the_lead_precedence_decides(policies: PolicySet) -> None:
    existing = _inspection(
        "insp-a", start="2009-11-16", lead="cqc", theme="healthier_communities_and_older_people"
    )

    decision = decide(_request(on_site_days=5), _context([existing]), policies)

    assert decision["outcome"] == "joint"
    assert decision["inspection"]["lead_inspectorate"] == "audit_commission"
    assert "comes before Care Quality Commission in the lead precedence" in decision["reasons"][0]


def test_a_third_inspectorate_joins_an_existing_joint_inspection(policies: PolicySet) -> None:
    existing = _inspection("insp-a", start="2009-11-16", window=("2009-11-02", "2010-01-29"))
    first = decide(
        _request("req-ofsted", inspectorate="ofsted", theme=CYP), _context([existing]), policies
    )["inspection"]

    decision = decide(
        _request("req-hmic", inspectorate="hmic", on_site_days=2), _context([first]), policies
    )

    assert decision["outcome"] == "joint"
    assert decision["inspection"]["participants"] == ["audit_commission", "hmic", "ofsted"]
    assert decision["inspection"]["on_site_days"] == 5


def test_an_inspection_already_on_site_is_not_joined(policies: PolicySet) -> None:
    on_site = _inspection("insp-a", start="2009-11-02", status="on_site")

    decision = decide(_request(inspectorate="ofsted", theme=CYP), _context([on_site]), policies)

    assert decision["outcome"] == "approved"
    assert decision["inspection_id"] != "insp-a"
    assert decision["policy_ids"] == ["GK-REST", "GK-APPROVE"]


def test_joint_is_not_made_when_the_longer_visit_would_run_into_a_blackout(
    policies: PolicySet,
) -> None:
    # on site 15-19 March 2010; eight days would run into the pre-election period from 22 March
    existing = _inspection("insp-a", start="2010-03-15", window=("2010-03-01", "2010-06-30"))
    request = _request(
        inspectorate="ofsted",
        theme=CYP,
        on_site_days=8,
        window_start="2010-03-01",
        window_end="2010-06-30",
    )

    decision = decide(request, _context([existing], decided_on=dt.date(2010, 1, 4)), policies)

    assert decision["outcome"] == "approved"
    assert decision["inspection_id"] != "insp-a"
    note = _reason(decision, "GK-JOINT")
    assert "could not join inspection insp-a" in note and "GK-BLACKOUT" in note
    # after the election and 30 days after the visit of 15-19 March
    assert decision["inspection"]["on_site_start"] == "2010-05-07"
    assert decision["policy_ids"] == ["GK-BLACKOUT", "GK-REST", "GK-APPROVE"]


# --- notice ------------------------------------------------------------------------------------


def test_notice_is_counted_in_working_days_over_christmas_bank_holidays(
    policies: PolicySet,
) -> None:
    decided = dt.date(2009, 12, 21)  # Monday; 25, 28 December and 1 January are bank holidays
    request = _request(window_start="2009-12-22", window_end="2010-03-01")

    decision = decide(request, _context(decided_on=decided), policies)

    assert decision["outcome"] == "approved"
    assert decision["policy_ids"] == ["GK-NOTICE", "GK-APPROVE"]
    # ten weekdays would be 4 January; ten working days are 7 January
    assert decision["inspection"]["on_site_start"] == "2010-01-07"
    reason = _reason(decision, "GK-NOTICE")
    assert "at least 10 working days are needed, so the earliest start is 2010-01-07" in reason


def test_a_theme_that_allows_unannounced_visits_needs_no_notice(policies: PolicySet) -> None:
    decided = dt.date(2009, 12, 21)
    request = _request(
        inspectorate="ofsted", theme=CYP, window_start="2009-12-22", window_end="2010-03-01"
    )

    decision = decide(request, _context(decided_on=decided), policies)

    assert decision["policy_ids"] == ["GK-APPROVE"]
    assert decision["inspection"]["on_site_start"] == "2009-12-22"


def test_notice_defers_a_request_whose_whole_window_is_too_soon(policies: PolicySet) -> None:
    request = _request(window_start="2009-10-02", window_end="2009-10-09")

    decision = decide(request, _context(), policies)

    assert decision["outcome"] == "deferred"
    assert decision["policy_ids"] == ["GK-NOTICE"]
    assert decision["deferred_until"] == "2009-10-15"
    inspection = decision["inspection"]
    assert inspection["status"] == "assigned"
    # the window keeps its length (7 days) and starts on the deferred date
    assert (inspection["window_start"], inspection["window_end"]) == ("2009-10-15", "2009-10-22")
    assert inspection["on_site_start"] == "2009-10-15"


# --- blackout ----------------------------------------------------------------------------------


def test_blackout_pushes_the_start_past_the_pre_election_period(policies: PolicySet) -> None:
    # five days from Wednesday 17 March 2010 would run into 22 March
    request = _request(window_start="2010-03-17", window_end="2010-06-30")

    decision = decide(request, _context(decided_on=dt.date(2010, 1, 4)), policies)

    assert decision["outcome"] == "approved"
    assert decision["policy_ids"] == ["GK-BLACKOUT", "GK-APPROVE"]
    assert decision["inspection"]["on_site_start"] == "2010-05-07"
    assert decision["inspection"]["on_site_end"] == "2010-05-13"
    reason = _reason(decision, "GK-BLACKOUT")
    assert "from 2010-03-22 to 2010-05-06 (the pre-election period" in reason


def test_blackout_defers_a_request_whose_window_lies_inside_it(policies: PolicySet) -> None:
    request = _request(window_start="2010-03-22", window_end="2010-04-30")

    decision = decide(request, _context(decided_on=dt.date(2010, 1, 4)), policies)

    assert decision["outcome"] == "deferred"
    assert decision["policy_ids"] == ["GK-BLACKOUT"]
    assert decision["deferred_until"] == "2010-05-07"
    inspection = decision["inspection"]
    assert (inspection["window_start"], inspection["window_end"]) == ("2010-05-07", "2010-06-15")
    assert "Deferred: no on-site start within the requested window" in decision["reasons"][-1]


def test_a_blackout_for_named_bodies_leaves_other_bodies_alone(tmp_path: Path) -> None:
    period = {"from": "2010-01-11", "to": "2010-01-22", "reason": "budget week", "bodies": []}
    for bodies, start in (([OTHER_BODY], "2010-01-11"), ([BODY], "2010-01-25")):
        policies = _policies(
            tmp_path, parameters={"blackout": {"periods": [{**period, "bodies": bodies}]}}
        )
        request = _request(window_start="2010-01-11", window_end="2010-03-01")

        decision = decide(request, _context(decided_on=dt.date(2009, 12, 1)), policies)

        assert decision["inspection"]["on_site_start"] == start


# --- cap ---------------------------------------------------------------------------------------


def test_the_cap_on_days_in_12_months_defers_to_the_earliest_date_that_fits(
    policies: PolicySet,
) -> None:
    register = [
        _inspection("insp-march", start="2009-03-02", days=10, status="completed"),  # to 13 March
        _inspection("insp-july", start="2009-07-01", days=8, status="published"),  # to 10 July
    ]
    request = _request(window_start="2009-11-02", window_end="2010-01-29")

    decision = decide(request, _context(register), policies)

    assert decision["outcome"] == "deferred"
    assert decision["policy_ids"] == ["GK-CAP"]
    # 18 days plus 5 fit under 20 only once 3 of March 2009's days are 12 months old
    assert decision["deferred_until"] == "2010-02-26"
    assert decision["inspection"]["on_site_end"] == "2010-03-04"
    # the last start refused, 25 February: two 12 months overlap it with 21 days; the first
    reason = _reason(decision, "GK-CAP")
    assert (
        "in the 12 months to 2010-03-01 would be 21 (18 already done or planned and 3 of the "
        "5 days of this visit from 2010-02-25 to 2010-03-03), over the cap of 20." in reason
    )
    ledger = decision["ledger"]
    assert ledger["on_site_days_used_12m"] == 18
    assert ledger["on_site_days_cap"] == 20
    assert ledger["on_site_days_12m_with_request"] == 20
    assert ledger["last_visit_end"] == "2009-07-10"
    assert ledger["open_inspections"] == 0


def test_the_cap_on_inspections_at_once_waits_until_one_is_no_longer_in_progress(
    tmp_path: Path,
) -> None:
    policies = _policies(tmp_path, drop=["rest"])  # so only the cap is in play
    register = [
        _inspection("insp-a", start="2009-11-16", window=("2009-10-01", "2010-02-01")),
        _inspection("insp-b", start="2009-12-01", window=("2009-10-15", "2010-03-01"), theme=CYP),
    ]
    request = _request(theme="economic_development_and_environment", window_end="2010-03-31")

    decision = decide(request, _context(register), policies)

    assert decision["outcome"] == "approved"
    assert decision["policy_ids"] == ["GK-CAP", "GK-APPROVE"]
    # insp-a is in progress until its visit ends on 20 November
    assert decision["inspection"]["on_site_start"] == "2009-11-23"
    assert "2 inspections in progress (insp-a, insp-b); at most 2 at once" in _reason(
        decision, "GK-CAP"
    )
    assert decision["ledger"]["open_inspections"] == 2
    assert decision["ledger"]["open_at_once_cap"] == 2
    assert decision["ledger"]["in_progress_during_visit"] == 1


# --- rest --------------------------------------------------------------------------------------


def test_rest_keeps_30_days_between_on_site_visits(policies: PolicySet) -> None:
    register = [_inspection("insp-a", start="2009-10-19", status="completed")]  # to 23 October

    decision = decide(_request(), _context(register), policies)

    assert decision["outcome"] == "approved"
    assert decision["policy_ids"] == ["GK-REST", "GK-APPROVE"]
    assert decision["inspection"]["on_site_start"] == "2009-11-23"
    assert (
        "only 28 days after inspection insp-a's on-site visit ended on 2009-10-23; at least "
        "30 days must pass" in _reason(decision, "GK-REST")
    )
    assert decision["ledger"]["last_visit_end"] == "2009-10-23"


def test_rest_also_keeps_a_gap_before_a_planned_visit(policies: PolicySet) -> None:
    register = [_inspection("insp-a", start="2009-12-07", theme=CYP, lead="ofsted")]
    request = _request(window_start="2009-11-09", window_end="2009-11-30")

    decision = decide(request, _context(register), policies)

    assert decision["outcome"] == "deferred"
    assert decision["policy_ids"] == ["GK-REST"]
    # 30 days after the planned visit ends on 11 December
    assert decision["deferred_until"] == "2010-01-11"
    # the reason quotes the last start refused, the one that binds
    assert "only 28 days after inspection insp-a's on-site visit ended on 2009-12-11" in (
        _reason(decision, "GK-REST")
    )


@pytest.mark.parametrize("status", ["declined", "cancelled"])
def test_a_visit_that_never_happened_counts_for_nothing(policies: PolicySet, status: str) -> None:
    register = [_inspection("insp-a", start="2009-10-19", days=20, status=status)]

    decision = decide(_request(), _context(register), policies)

    assert decision["policy_ids"] == ["GK-APPROVE"]
    assert decision["ledger"]["on_site_days_used_12m"] == 0
    assert decision["ledger"]["last_visit_end"] is None


# --- urgent ------------------------------------------------------------------------------------


def _burdened() -> list[dict[str, Any]]:
    """A body at its cap with a visit planned: a routine request waits months."""
    return [
        _inspection("insp-spring", start="2009-04-20", days=15, status="published"),  # to 11 May
        _inspection("insp-oct", start="2009-10-12", status="scheduled"),  # to 16 October
    ]


def test_a_fraud_concern_bypasses_cap_and_rest_and_the_bypass_is_recorded(
    policies: PolicySet,
) -> None:
    request = _request(theme="use_of_resources", concern="fraud", urgency="urgent")

    decision = decide(request, _context(_burdened()), policies)

    assert decision["outcome"] == "approved"
    assert decision["policy_ids"] == ["GK-URGENT", "GK-APPROVE"]
    assert decision["bypassed"] == ["GK-CAP", "GK-REST"]
    inspection = decision["inspection"]
    assert inspection["urgent"] is True
    assert inspection["bypassed"] == ["GK-CAP", "GK-REST"]
    assert inspection["on_site_start"] == "2009-11-02"  # the window's first day
    reason = _reason(decision, "GK-URGENT")
    assert "raises a fraud concern, so it bypasses GK-CAP and GK-REST" in reason
    assert "over the cap of 20" in reason
    assert decision["ledger"]["on_site_days_12m_with_request"] == 25


def test_the_same_request_without_a_concern_is_deferred(policies: PolicySet) -> None:
    decision = decide(_request(theme="use_of_resources"), _context(_burdened()), policies)

    assert decision["outcome"] == "deferred"
    assert decision["policy_ids"] == ["GK-BLACKOUT", "GK-CAP", "GK-REST"]
    assert decision["bypassed"] == []
    # the spring visit's days leave the 12 months from 19 April 2010, inside the election period
    assert decision["deferred_until"] == "2010-05-07"


def test_an_urgent_request_still_needs_notice_and_respects_blackout(policies: PolicySet) -> None:
    request = _request(concern="safeguarding", window_start="2010-03-24", window_end="2010-04-30")

    decision = decide(request, _context(decided_on=dt.date(2010, 3, 22)), policies)

    assert decision["outcome"] == "deferred"
    assert decision["policy_ids"] == ["GK-NOTICE", "GK-BLACKOUT"]
    assert decision["deferred_until"] == "2010-05-07"
    assert decision["bypassed"] == []


def test_urgent_bypass_is_recorded_when_joining_makes_a_visit_longer(
    policies: PolicySet,
) -> None:
    register = [
        _inspection("insp-spring", start="2009-04-20", days=15, status="published"),
        # 15 + 5 days: at the cap, so three more days on site are over it
        _inspection("insp-a", start="2009-11-16", window=("2009-11-02", "2010-01-29")),
    ]
    request = _request(inspectorate="ofsted", theme=CYP, on_site_days=8, concern="safeguarding")

    decision = decide(request, _context(register), policies)

    assert decision["outcome"] == "joint"
    assert decision["policy_ids"] == ["GK-JOINT", "GK-URGENT"]
    assert decision["bypassed"] == ["GK-CAP"]
    assert decision["inspection"]["bypassed"] == ["GK-CAP"]
    assert decision["inspection"]["urgent"] is True
    assert decision["inspection"]["on_site_end"] == "2009-11-25"
    assert "over the cap of 20" in _reason(decision, "GK-URGENT")


def test_without_a_concern_a_longer_joint_visit_over_the_cap_is_not_made(
    policies: PolicySet,
) -> None:
    register = [
        _inspection("insp-spring", start="2009-04-20", days=15, status="published"),
        _inspection("insp-a", start="2009-11-16", window=("2009-11-02", "2010-01-29")),
    ]
    request = _request(inspectorate="ofsted", theme=CYP, on_site_days=8)

    decision = decide(request, _context(register), policies)

    assert decision["outcome"] == "deferred"
    assert "could not join inspection insp-a" in _reason(decision, "GK-JOINT")
    assert decision["policy_ids"] == ["GK-BLACKOUT", "GK-CAP", "GK-REST"]


# --- placement ---------------------------------------------------------------------------------


def test_earliest_fit_starts_on_a_working_day_not_before_the_date_asked(
    policies: PolicySet,
) -> None:
    fit = earliest_fit(
        _context(),
        policies,
        not_before=dt.date(2009, 12, 25),
        on_site_days=5,
        urgent=False,
        theme=SAFER,
    )

    assert fit == dt.date(2009, 12, 29)  # 25 and 28 December are bank holidays
    assert is_working_day(fit)


def test_earliest_fit_leaves_out_the_inspection_being_rescheduled(policies: PolicySet) -> None:
    register = [_inspection("insp-a", start="2009-11-02")]
    kwargs: dict[str, Any] = {
        "not_before": dt.date(2009, 11, 2),
        "on_site_days": 5,
        "urgent": False,
        "theme": SAFER,
    }

    assert earliest_fit(_context(register), policies, **kwargs) == dt.date(2009, 12, 7)
    assert earliest_fit(
        _context(register), policies, exclude_inspection_id="insp-a", **kwargs
    ) == dt.date(2009, 11, 2)


def test_a_request_that_can_never_fit_is_rejected_with_the_policy_that_blocks_it(
    tmp_path: Path,
) -> None:
    forever = {"from": "2009-01-01", "to": "2019-12-31", "reason": "abolished", "bodies": "all"}
    policies = _policies(tmp_path, parameters={"blackout": {"periods": [forever]}})

    with pytest.raises(NoFitError):
        earliest_fit(
            _context(),
            policies,
            not_before=dt.date(2009, 11, 2),
            on_site_days=5,
            urgent=False,
            theme=SAFER,
        )
    decision = decide(_request(), _context(), policies)
    assert decision["outcome"] == "rejected"
    assert decision["policy_ids"] == ["GK-BLACKOUT"]
    assert decision["inspection"] is None


def test_every_decision_is_the_same_when_replayed(policies: PolicySet) -> None:
    request = _request(theme="use_of_resources")

    assert decide(request, _context(_burdened()), policies) == decide(
        request, _context(_burdened()), policies
    )


def test_a_request_for_another_body_is_refused(policies: PolicySet) -> None:
    with pytest.raises(ValueError, match="E08000029"):
        decide(_request(body=OTHER_BODY), _context(), policies)


# --- check_schedule ----------------------------------------------------------------------------


def _assigned(start: str = "2009-11-16", **changes: Any) -> dict[str, Any]:
    return {**_inspection("insp-new", start=start, window=("2009-11-02", "2010-02-26")), **changes}


def test_a_schedule_that_breaks_nothing_is_accepted(policies: PolicySet) -> None:
    inspection = _assigned()

    # the inspection's own planned dates never conflict with themselves
    reasons = check_schedule(inspection, dt.date(2009, 11, 18), 5, _context([inspection]), policies)

    assert reasons == []


def test_a_schedule_without_enough_notice_is_refused(policies: PolicySet) -> None:
    start = add_working_days(DECIDED_ON, 3)

    reasons = check_schedule(_assigned(), start, 5, _context(), policies)

    assert len(reasons) == 1
    assert reasons[0].startswith("GK-NOTICE: ")
    assert "3 working days' notice" in reasons[0] and "2009-10-15" in reasons[0]


def test_a_schedule_inside_a_blackout_is_refused(policies: PolicySet) -> None:
    reasons = check_schedule(
        _assigned(), dt.date(2010, 4, 12), 5, _context(decided_on=dt.date(2010, 1, 4)), policies
    )

    assert [r.split(":")[0] for r in reasons] == ["GK-BLACKOUT"]
    assert "pre-election period" in reasons[0] and "5 days in that period" in reasons[0]


def test_a_schedule_over_the_cap_is_refused(policies: PolicySet) -> None:
    register = [_inspection("insp-spring", start="2009-04-20", days=18, status="published")]

    reasons = check_schedule(_assigned(), dt.date(2009, 11, 16), 5, _context(register), policies)

    assert [r.split(":")[0] for r in reasons] == ["GK-CAP"]
    assert "would be 23 (18 already done or planned and 5 of this visit" in reasons[0]


def test_a_schedule_too_close_to_another_visit_is_refused(policies: PolicySet) -> None:
    register = [_inspection("insp-a", start="2009-11-02", status="completed")]

    reasons = check_schedule(_assigned(), dt.date(2009, 11, 16), 5, _context(register), policies)

    assert [r.split(":")[0] for r in reasons] == ["GK-REST"]
    assert "only 10 days after inspection insp-a's on-site visit ended on 2009-11-06" in reasons[0]


def test_an_urgent_inspection_may_be_scheduled_over_cap_and_rest(policies: PolicySet) -> None:
    register = [
        _inspection("insp-spring", start="2009-04-20", days=18, status="published"),
        _inspection("insp-a", start="2009-11-02", days=2, status="completed"),
    ]
    start = dt.date(2009, 11, 16)

    plain = check_schedule(_assigned(), start, 5, _context(register), policies)
    urgent = check_schedule(_assigned(urgent=True), start, 5, _context(register), policies)

    assert [r.split(":")[0] for r in plain] == ["GK-CAP", "GK-REST"]
    assert urgent == []


def test_a_schedule_starting_on_a_bank_holiday_is_refused(policies: PolicySet) -> None:
    reasons = check_schedule(_assigned(), dt.date(2009, 12, 28), 3, _context(), policies)

    assert reasons == ["SCHEDULE: 2009-12-28 is not a working day; on-site work starts on one."]


# --- burden ------------------------------------------------------------------------------------


def test_the_burden_ledger_shows_days_used_left_and_the_next_date_that_fits(
    policies: PolicySet,
) -> None:
    register = [
        _inspection("insp-spring", start="2009-04-20", days=10, status="published"),  # to 1 May
        _inspection("insp-done", start="2009-09-21", status="completed"),  # to 25 September
        _inspection("insp-planned", start="2009-11-16"),  # to 20 November
        _inspection("insp-gone", start="2009-10-05", status="cancelled"),
        _inspection("insp-old", start="2008-06-02", status="published"),  # over 12 months ago
    ]

    ledger = burden(_context(register, org_score=3), policies, on_day=dt.date(2009, 10, 1))

    assert ledger["body"] == BODY
    assert ledger["open_inspections"] == 1
    assert ledger["open_inspection_ids"] == ["insp-planned"]
    assert ledger["on_site_days_used_12m"] == 15
    assert ledger["on_site_days_planned"] == 5
    assert ledger["on_site_days_left"] == 0
    assert ledger["on_site_days_cap"] == 20
    assert ledger["open_at_once_cap"] == 2
    assert ledger["last_visit_end"] == "2009-11-20"
    assert ledger["org_score"] == 3
    assert ledger["typical_on_site_days"] == 5
    # five more days fit once April 2009's visit is 12 months old, but that is the
    # pre-election period, so the first start after it
    assert ledger["next_date_that_fits"] == "2010-05-07"
    assert [v["inspection_id"] for v in ledger["visits"]] == [
        "insp-spring",
        "insp-done",
        "insp-planned",
    ]


def test_the_burden_of_a_body_never_inspected(policies: PolicySet) -> None:
    ledger = burden(_context(), policies, on_day=dt.date(2009, 10, 1))

    assert ledger["on_site_days_used_12m"] == 0
    assert ledger["on_site_days_left"] == 20
    assert ledger["last_visit_end"] is None
    assert ledger["visits"] == []
    assert ledger["next_date_that_fits"] == "2009-10-15"  # ten working days' notice
